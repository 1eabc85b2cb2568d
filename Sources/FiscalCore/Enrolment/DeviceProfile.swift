public import Foundation

/// What the admin server hands an enrolled connector: everything its `connector.toml` would say,
/// the current license, and the client's certificate sealed to the device's key. The connector
/// caches the last profile it received and works from it while the admin server is unreachable.
/// JSON with snake_case keys; unknown keys are ignored so that older connectors keep working.
public struct DeviceProfile: Sendable, Codable, Equatable {
    /// Changes whenever anything below changes, so the connector can tell an update at a glance.
    public var revision: String
    /// The admin server's id for the device.
    public var deviceID: String
    /// The issuing taxpayer.
    public var taxpayer: Taxpayer
    /// The device's codes.
    public var device: Device
    /// `test` or `production`.
    public var environment: String
    /// The tax authority endpoint for `environment`.
    public var taxAuthorityURL: String
    /// The current license token, or `nil` when none is valid (revoked or never issued).
    public var licenseToken: String?
    /// The public keys (PEM) that verify `licenseToken`.
    public var licenseKeys: [String]
    /// The client's certificate, or `nil` before one is uploaded.
    public var certificate: SealedCertificate?
    /// How often the connector should ask for a new profile and report, in seconds.
    public var refreshSeconds: Int

    /// The issuing taxpayer.
    public struct Taxpayer: Sendable, Codable, Equatable {
        /// TIN (PIB).
        public var tin: String
        /// Registered name.
        public var name: String
        /// Street address.
        public var address: String?
        /// Town.
        public var town: String?
        /// ISO 3166 alpha-3 country.
        public var country: String
        /// Registered for VAT.
        public var inVAT: Bool

        /// Creates a taxpayer.
        public init(tin: String, name: String, address: String?, town: String?, country: String, inVAT: Bool) {
            self.tin = tin
            self.name = name
            self.address = address
            self.town = town
            self.country = country
            self.inVAT = inVAT
        }

        enum CodingKeys: String, CodingKey {
            case tin, name, address, town, country
            case inVAT = "in_vat"
        }
    }

    /// The device's registration codes.
    public struct Device: Sendable, Codable, Equatable {
        /// Business unit code.
        public var businessUnit: String
        /// TCR (ENU) code.
        public var tcrCode: String
        /// Software code.
        public var softwareCode: String
        /// Maintainer code.
        public var maintainerCode: String?
        /// Default operator code.
        public var operatorCode: String
        /// The device's internal id (TCRIntID).
        public var internalID: String

        /// Creates codes.
        public init(businessUnit: String, tcrCode: String, softwareCode: String, maintainerCode: String?, operatorCode: String, internalID: String) {
            self.businessUnit = businessUnit
            self.tcrCode = tcrCode
            self.softwareCode = softwareCode
            self.maintainerCode = maintainerCode
            self.operatorCode = operatorCode
            self.internalID = internalID
        }

        enum CodingKeys: String, CodingKey {
            case businessUnit = "business_unit"
            case tcrCode = "tcr_code"
            case softwareCode = "software_code"
            case maintainerCode = "maintainer_code"
            case operatorCode = "operator_code"
            case internalID = "internal_id"
        }
    }

    /// A PKCS#12 file and its password, sealed to the device (``DeviceEnvelope``).
    public struct SealedCertificate: Sendable, Codable, Equatable {
        /// The admin server's id for the certificate.
        public var id: String
        /// The certificate's last moment of validity.
        public var notAfter: Date
        /// Base64 of the envelope holding ``CertificateBundle`` JSON.
        public var envelope: String

        /// Creates a sealed certificate.
        public init(id: String, notAfter: Date, envelope: String) {
            self.id = id
            self.notAfter = notAfter
            self.envelope = envelope
        }

        enum CodingKeys: String, CodingKey {
            case id
            case notAfter = "not_after"
            case envelope
        }
    }

    /// What the certificate envelope holds.
    public struct CertificateBundle: Sendable, Codable, Equatable {
        /// Base64 of the PKCS#12 file.
        public var pkcs12: String
        /// Its password.
        public var password: String

        /// Creates a bundle.
        public init(pkcs12: String, password: String) {
            self.pkcs12 = pkcs12
            self.password = password
        }
    }

    /// The envelope context a certificate is sealed under, binding it to one device.
    public static func certificateContext(deviceID: String) -> String { "certificate:" + deviceID }

    /// Creates a profile.
    public init(revision: String, deviceID: String, taxpayer: Taxpayer, device: Device, environment: String, taxAuthorityURL: String,
                licenseToken: String?, licenseKeys: [String], certificate: SealedCertificate?, refreshSeconds: Int) {
        self.revision = revision
        self.deviceID = deviceID
        self.taxpayer = taxpayer
        self.device = device
        self.environment = environment
        self.taxAuthorityURL = taxAuthorityURL
        self.licenseToken = licenseToken
        self.licenseKeys = licenseKeys
        self.certificate = certificate
        self.refreshSeconds = refreshSeconds
    }

    enum CodingKeys: String, CodingKey {
        case revision
        case deviceID = "device_id"
        case taxpayer, device, environment
        case taxAuthorityURL = "tax_authority_url"
        case licenseToken = "license_token"
        case licenseKeys = "license_keys"
        case certificate
        case refreshSeconds = "refresh_seconds"
    }
}

/// What an enrolled connector reports to the admin server on every refresh.
public struct DeviceHeartbeat: Sendable, Codable, Equatable {
    /// The connector's version.
    public var version: String
    /// The environment it is issuing in.
    public var environment: String
    /// Documents issued but not yet delivered.
    public var pending: Int
    /// The earliest legal delivery deadline among them.
    public var oldestDeadline: Date?
    /// When its certificate expires.
    public var certificateExpiry: Date?
    /// The last FIC it received.
    public var lastFIC: String?
    /// When that invoice was fiscalized.
    public var lastFiscalizedAt: Date?
    /// Invoices fiscalized in the test environment.
    public var testInvoices: Int
    /// Invoices fiscalized in production.
    public var productionInvoices: Int

    /// Creates a heartbeat.
    public init(version: String, environment: String, pending: Int, oldestDeadline: Date?, certificateExpiry: Date?, lastFIC: String?,
                lastFiscalizedAt: Date?, testInvoices: Int, productionInvoices: Int) {
        self.version = version
        self.environment = environment
        self.pending = pending
        self.oldestDeadline = oldestDeadline
        self.certificateExpiry = certificateExpiry
        self.lastFIC = lastFIC
        self.lastFiscalizedAt = lastFiscalizedAt
        self.testInvoices = testInvoices
        self.productionInvoices = productionInvoices
    }

    enum CodingKeys: String, CodingKey {
        case version, environment, pending
        case oldestDeadline = "oldest_deadline"
        case certificateExpiry = "certificate_expiry"
        case lastFIC = "last_fic"
        case lastFiscalizedAt = "last_fiscalized_at"
        case testInvoices = "test_invoices"
        case productionInvoices = "production_invoices"
    }
}

/// The JSON coding both sides use: ISO 8601 times with their offset.
public enum FiscalJSON {
    /// An encoder with sorted keys and ISO 8601 times.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(ISOTime.string(date))
        }
        return encoder
    }

    /// A decoder reading ISO 8601 times.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = ISOTime.date(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an ISO 8601 time such as 2026-11-21T10:00:00+01:00")
            }
            return date
        }
        return decoder
    }
}
