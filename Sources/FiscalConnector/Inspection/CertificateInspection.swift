public import Foundation
public import FiscalCore

/// What an integrator needs to know about a taxpayer certificate before using it: who, which
/// TIN, how long it is valid, and whether the connector would accept it.
public struct CertificateInspection: Sendable, Codable, Equatable {
    /// The file inspected.
    public let file: String
    /// Subject distinguished name.
    public let subject: String
    /// Issuer distinguished name.
    public let issuer: String
    /// Serial number, hex.
    public let serialNumber: String
    /// The taxpayer TIN from `organizationIdentifier=VATME-<TIN>`.
    public let tin: String?
    /// Start of validity, ISO 8601.
    public let validFrom: String
    /// End of validity, ISO 8601.
    public let validUntil: String
    /// Whole days until expiry (negative once expired).
    public let daysLeft: Int
    /// Whether the connector would sign with it.
    public let accepted: Bool
    /// Why it would be refused.
    public let problems: [String]
    /// What needs attention soon.
    public let warnings: [String]

    /// How many days before expiry the connector starts warning.
    public static let warningDays = 30

    enum CodingKeys: String, CodingKey {
        case file, subject, issuer, tin, accepted, problems, warnings
        case serialNumber = "serial_number", validFrom = "valid_from", validUntil = "valid_until", daysLeft = "days_left"
    }

    /// Loads and inspects a certificate file (PKCS#12 or PEM); `expectedTIN` is the configured
    /// taxpayer's. Throws ``CertificateError`` when the file cannot be used at all.
    public static func inspect(file: String, password: String?, keyFile: String? = nil, expectedTIN: String? = nil, now: Date = Date()) throws(CertificateError) -> CertificateInspection {
        let identity: SigningIdentity
        do {
            identity = try SigningIdentity(contentsOf: file, password: password, keyPath: keyFile)
        } catch let error as CertificateError {
            throw error
        } catch {
            throw CertificateError(.malformed, "\(error)", source: file)
        }
        return inspect(identity.certificate, file: file, expectedTIN: expectedTIN, now: now)
    }

    /// Inspects a loaded certificate.
    public static func inspect(_ certificate: Certificate, file: String, expectedTIN: String? = nil, now: Date = Date()) -> CertificateInspection {
        var problems: [String] = []
        var warnings: [String] = []
        let days = certificate.daysUntilExpiry(from: now)
                if now > certificate.notAfter {
            problems.append("the certificate expired on \(ISOTime.string(certificate.notAfter)); the tax authority refuses expired certificates (error 36): order a new one from the CA")
        } else if now < certificate.notBefore {
            problems.append("the certificate is valid only from \(ISOTime.string(certificate.notBefore))")
        } else if days <= warningDays {
            warnings.append("the certificate expires in \(days) day\(days == 1 ? "" : "s") (\(ISOTime.string(certificate.notAfter))): order its renewal now")
        }
        if let tin = certificate.taxpayerTIN {
            if let expectedTIN, expectedTIN != tin.value {
                problems.append("the certificate belongs to TIN \(tin.value), but the configured taxpayer is \(expectedTIN) (error 37): use this taxpayer's certificate")
            }
        } else {
            problems.append("the certificate carries no taxpayer TIN (organizationIdentifier=VATME-<TIN>); it is not a Montenegrin fiscalization certificate")
        }
        return CertificateInspection(
            file: file, subject: certificate.subject, issuer: certificate.issuer, serialNumber: certificate.serialNumber,
            tin: certificate.taxpayerTIN?.value, validFrom: ISOTime.string(certificate.notBefore),
            validUntil: ISOTime.string(certificate.notAfter), daysLeft: days, accepted: problems.isEmpty,
            problems: problems, warnings: warnings
        )
    }
}
