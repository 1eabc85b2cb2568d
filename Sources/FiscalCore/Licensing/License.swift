public import Foundation

/// A device license: which taxpayer, business unit and device may fiscalize, in which
/// environments, until when. Signed by the license authority with Ed25519 and verified offline.
///
/// Token form: `FL1.<payload>.<signature>`, both parts base64url without padding; the payload is
/// JSON with sorted keys; the signature covers the ASCII text `FL1.<payload>`. See `Licenses/README.md`.
public struct License: Sendable, Hashable, Codable {
    /// Format version (1).
    public var version: Int
    /// Unique id of this license.
    public var id: String
    /// Key id of the authority key that signed it.
    public var keyID: String
    /// The taxpayer's TIN.
    public var tin: String
    /// The business unit code.
    public var businessUnit: String
    /// The device: its TCR code.
    public var device: String
    /// Environments allowed: `test`, `production`.
    public var environments: [String]
    /// Day of issue.
    public var issued: FiscalDate
    /// Last day of validity (inclusive).
    public var expires: FiscalDate

    enum CodingKeys: String, CodingKey {
        case version = "v", id, keyID = "kid", tin, businessUnit = "business_unit", device, environments, issued, expires
    }

    /// The environments a license may name.
    public static let knownEnvironments: Set<String> = ["test", "production"]
    static let prefix = "FL1."

    /// Creates a license.
    public init(id: String = UUID().uuidString.lowercased(), keyID: String, tin: String, businessUnit: String, device: String, environments: [String], issued: FiscalDate, expires: FiscalDate) {
        self.version = 1
        self.id = id
        self.keyID = keyID
        self.tin = tin
        self.businessUnit = businessUnit
        self.device = device
        self.environments = environments
        self.issued = issued
        self.expires = expires
    }

    /// Problems with the license's own fields.
    public var problems: [String] {
        var found: [String] = []
        if !TIN.isValid(tin) { found.append("tin '\(tin)' is not an 8- or 13-digit TIN") }
        if !RegistrationCode.isValid(businessUnit) { found.append("business unit '\(businessUnit)' is not a registration code such as ab123cd456") }
        if !RegistrationCode.isValid(device) { found.append("device '\(device)' is not a TCR code such as ab123cd456") }
        if environments.isEmpty || !environments.allSatisfy(Self.knownEnvironments.contains) {
            found.append("environments \(environments) must be one or both of test, production")
        }
        if expires < issued { found.append("expires \(expires) is before issued \(issued)") }
        return found
    }

    /// Signs this license into a token.
    public func token(signedWith key: Ed25519.PrivateKey) throws(LicenseError) -> String {
        guard problems.isEmpty else { throw LicenseError(.malformed, problems.joined(separator: "; ")) }
        guard key.publicKey.keyID == keyID else {
            throw LicenseError(.unknownKey, "the license names key \(keyID) but is signed with key \(key.publicKey.keyID)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let payload = Self.prefix + UnpaddedBase64.encode([UInt8]((try? encoder.encode(self)) ?? Data()), .url)
        return payload + "." + UnpaddedBase64.encode(key.sign(Array(payload.utf8)), .url)
    }

    /// Reads and verifies a token against trusted authority keys; checks signature and form only
    /// (use ``check(tin:businessUnit:device:environment:today:)`` for what it allows).
    public static func verify(_ token: String, trustedKeys: [Ed25519.PublicKey]) throws(LicenseError) -> License {
        let trimmed = token.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard trimmed.hasPrefix(prefix), parts.count == 3,
              let payload = UnpaddedBase64.decode(parts[1], .url), let signature = UnpaddedBase64.decode(parts[2], .url) else {
            throw LicenseError(.malformed, "not a license token: expected FL1.<payload>.<signature> as printed by 'fiscal-admin license issue'")
        }
        let license: License
        do {
            license = try JSONDecoder().decode(License.self, from: Data(payload))
        } catch {
            throw LicenseError(.malformed, "the license payload cannot be read: \(error)")
        }
        guard license.version == 1 else { throw LicenseError(.malformed, "license format version \(license.version) is not supported; update the connector") }
        guard let key = trustedKeys.first(where: { $0.keyID == license.keyID }) else {
            throw LicenseError(.unknownKey, "the license is signed by key \(license.keyID), which is not among the trusted license keys (\(trustedKeys.map(\.keyID).joined(separator: ", ")))")
        }
        guard key.isValidSignature(signature, for: Array("\(parts[0]).\(parts[1])".utf8)) else {
            throw LicenseError(.badSignature, "the license signature is invalid: the token was altered or not issued by the license authority")
        }
        guard license.problems.isEmpty else { throw LicenseError(.malformed, license.problems.joined(separator: "; ")) }
        return license
    }

    /// Checks that this license allows fiscalizing for this taxpayer, unit, device and environment today.
    public func check(tin: String, businessUnit: String, device: String, environment: String, today: FiscalDate) throws(LicenseError) {
        if self.tin != tin {
            throw LicenseError(.wrongTaxpayer, "the license is for TIN \(self.tin), the configuration is for \(tin): use this taxpayer's license")
        }
        if self.businessUnit != businessUnit {
            throw LicenseError(.wrongDevice, "the license is for business unit \(self.businessUnit), the configuration names \(businessUnit)")
        }
        if self.device != device {
            throw LicenseError(.wrongDevice, "the license is for device \(self.device), the configuration names TCR \(device): each device needs its own license")
        }
        if today < issued {
            throw LicenseError(.notYetValid, "the license is valid from \(issued); check the machine's clock")
        }
        if expires < today {
            throw LicenseError(.expired, "the license expired on \(expires): ask your integrator to renew it")
        }
        if !environments.contains(environment) {
            throw LicenseError(.environmentNotAllowed, "the license allows \(environments.joined(separator: " and ")), not \(environment): ask your integrator for a license that allows \(environment)")
        }
    }
}

/// Why a license or key cannot be used.
public struct LicenseError: CodedError {
    /// The closed set of reasons.
    public enum Code: String, Sendable {
        /// Not a token, or its fields are invalid.
        case malformed
        /// A key file is not an Ed25519 key.
        case badKey
        /// The signature does not verify.
        case badSignature
        /// Signed by a key that is not trusted.
        case unknownKey
        /// Past its last day.
        case expired
        /// Not valid yet.
        case notYetValid
        /// For another taxpayer.
        case wrongTaxpayer
        /// For another business unit or device.
        case wrongDevice
        /// The environment (e.g. production) is not allowed.
        case environmentNotAllowed
        /// No license configured.
        case missing
    }

    /// What went wrong.
    public let code: Code
    /// A sentence naming the value and the fix.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }


}
