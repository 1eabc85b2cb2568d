public import FiscalCore
public import Foundation

/// What must hold before a device may switch to production, each item with what is wrong and how
/// to fix it. The admin server shows it and refuses the switch until ``isGreen``.
public struct ProductionChecklist: Sendable {
    /// One check.
    public enum Check: String, Sendable, CaseIterable {
        /// The company proved its TIN (certificate, or its integrator registered or accepted it).
        case companyVerified = "company_verified"
        /// A certificate is uploaded and valid today.
        case certificateValid = "certificate_valid"
        /// The certificate's TIN is the client's.
        case certificateTIN = "certificate_tin"
        /// Business unit, TCR, software, maintainer and operator codes are present and well-formed.
        case registrationCodes = "registration_codes"
        /// The device's license is valid and allows production.
        case licenseAllowsProduction = "license_allows_production"
        /// The connector reported at least one invoice fiscalized in test.
        case testInvoice = "test_invoice"
    }

    /// The state of one check.
    public enum Status: String, Sendable {
        /// Holds.
        case passed
        /// Does not hold; the detail says what to do.
        case failed
    }

    /// One line of the checklist.
    public struct Item: Sendable, Equatable {
        /// Which check.
        public let check: Check
        /// Its state.
        public let status: Status
        /// What was found, or what to fix.
        public let detail: String
    }

    /// What the checklist is computed from.
    public struct Facts: Sendable {
        /// The client's TIN.
        public var clientTIN: String
        /// Whether the client company is verified.
        public var clientVerified: Bool
        /// The uploaded certificate, if any.
        public var certificate: Certificate?
        /// The business unit's code.
        public var businessUnitCode: String?
        /// The device's TCR (ENU) code.
        public var tcrCode: String?
        /// The software code.
        public var softwareCode: String?
        /// The maintainer code.
        public var maintainerCode: String?
        /// The operator code invoices carry by default.
        public var operatorCode: String?
        /// The device's current license, if any.
        public var license: License?
        /// Invoices the connector reports it fiscalized in test; `nil` when it has not reported.
        public var testInvoicesFiscalized: Int?

        /// Creates facts.
        public init(clientTIN: String, clientVerified: Bool, certificate: Certificate?, businessUnitCode: String?, tcrCode: String?, softwareCode: String?, maintainerCode: String?,
                    operatorCode: String?, license: License?, testInvoicesFiscalized: Int?) {
            self.clientTIN = clientTIN
            self.clientVerified = clientVerified
            self.certificate = certificate
            self.businessUnitCode = businessUnitCode
            self.tcrCode = tcrCode
            self.softwareCode = softwareCode
            self.maintainerCode = maintainerCode
            self.operatorCode = operatorCode
            self.license = license
            self.testInvoicesFiscalized = testInvoicesFiscalized
        }
    }

    /// The checks, in ``Check`` order.
    public let items: [Item]

    /// `true` when nothing failed: the device may switch after an explicit confirmation.
    public var isGreen: Bool { items.allSatisfy { $0.status != .failed } }

    /// The failed items.
    public var failures: [Item] { items.filter { $0.status == .failed } }

    /// Evaluates the checklist at `now`.
    public init(_ facts: Facts, at now: Date) {
        var items: [Item] = []
        func add(_ check: Check, _ status: Status, _ detail: String) { items.append(Item(check: check, status: status, detail: detail)) }

        if facts.clientVerified {
            add(.companyVerified, .passed, "the company's TIN \(facts.clientTIN) is verified")
        } else {
            add(.companyVerified, .failed, "the company has not proven its TIN \(facts.clientTIN): upload its certificate, or have its integrator accept it")
        }

        if let certificate = facts.certificate {
            if now < certificate.notBefore {
                add(.certificateValid, .failed, "the certificate is valid only from \(WebPages.display(certificate.notBefore)): wait, or upload the current one")
            } else if now > certificate.notAfter {
                add(.certificateValid, .failed, "the certificate expired on \(WebPages.display(certificate.notAfter)): upload the renewed certificate")
            } else {
                add(.certificateValid, .passed, "valid until \(WebPages.display(certificate.notAfter)) (\(certificate.daysUntilExpiry(from: now)) days left)")
            }
            switch certificate.taxpayerTIN {
            case .some(let tin) where tin.value == facts.clientTIN:
                add(.certificateTIN, .passed, "certificate TIN \(tin.value) is the client's")
            case .some(let tin):
                add(.certificateTIN, .failed, "the certificate is for TIN \(tin.value), the client is \(facts.clientTIN): upload this client's certificate")
            case .none:
                add(.certificateTIN, .failed, "the certificate carries no organizationIdentifier VATME-<TIN>: it is not a fiscalization seal certificate")
            }
        } else {
            add(.certificateValid, .failed, "no certificate uploaded: upload the client's PKCS#12 (.pfx/.p12) with its password")
            add(.certificateTIN, .failed, "no certificate uploaded")
        }

        let codes: [(String, String?)] = [
            ("business unit code", facts.businessUnitCode), ("TCR code", facts.tcrCode),
            ("software code", facts.softwareCode), ("maintainer code", facts.maintainerCode), ("operator code", facts.operatorCode),
        ]
        let codeProblems = codes.compactMap { name, value -> String? in
            guard let value, !value.isEmpty else { return "\(name) is missing" }
            return RegistrationCode.isValid(value) ? nil : "\(name) \"\(value)\" is not of the form ab123cd456"
        }
        if codeProblems.isEmpty {
            add(.registrationCodes, .passed, "all five codes present")
        } else {
            add(.registrationCodes, .failed, codeProblems.joined(separator: "; ") + ": copy them from the tax authority's portal")
        }

        if let license = facts.license {
            do {
                try license.check(tin: facts.clientTIN, businessUnit: facts.businessUnitCode ?? "", device: facts.tcrCode ?? "", environment: "production", today: FiscalDate(now))
                add(.licenseAllowsProduction, .passed, "license \(license.id) allows production until \(license.expires)")
            } catch {
                add(.licenseAllowsProduction, .failed, error.message + "; issue a new license for this device")
            }
        } else {
            add(.licenseAllowsProduction, .failed, "the device has no license: issue one that allows production")
        }

        switch facts.testInvoicesFiscalized {
        case .none:
            add(.testInvoice, .failed, "the connector has not reported a test invoice yet: enrol it and fiscalize a test invoice from this device first")
        case .some(let count) where count > 0:
            add(.testInvoice, .passed, "\(count) invoices fiscalized in test")
        case .some:
            add(.testInvoice, .failed, "the connector has fiscalized no invoice in test: issue a test invoice from this device first")
        }
        self.items = items
    }
}

/// When the admin warns about a certificate's expiry: at 60, 30, 15 and 7 days, and once expired.
public enum ExpiryWarning: Int, Sendable, Comparable, CaseIterable {
    /// 60 days or fewer left.
    case days60 = 60
    /// 30 days or fewer left.
    case days30 = 30
    /// 15 days or fewer left.
    case days15 = 15
    /// 7 days or fewer left.
    case days7 = 7
    /// Expired.
    case expired = 0

    /// The warning due at `now` for a certificate ending at `notAfter`, or `nil` (more than 60 days).
    public static func due(notAfter: Date, at now: Date) -> ExpiryWarning? {
        if now > notAfter { return .expired }
        let daysLeft = Int(notAfter.timeIntervalSince(now) / 86400)
        return [.days7, .days15, .days30, .days60].first { daysLeft <= $0.rawValue }
    }

    /// Orders by urgency: 60 days is the least urgent.
    public static func < (lhs: ExpiryWarning, rhs: ExpiryWarning) -> Bool { lhs.rawValue > rhs.rawValue }
}
