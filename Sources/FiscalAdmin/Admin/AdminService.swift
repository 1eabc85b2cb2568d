public import FiscalCore
public import Foundation
import Synchronization

/// The back office's behaviour, shared by the JSON API and the web pages: every operation checks
/// who may do it, validates its input naming the field at fault, changes the store in one
/// transaction and writes the audit entry in that same transaction, so a refused or failed request
/// changes nothing.
public final class AdminService: Sendable {
    /// Settings with their defaults.
    ///
    /// - `testURL`, `productionURL`: the tax authority endpoints handed to connectors
    /// - `licenseDays`: validity of a new license when none is asked for (366)
    /// - `sessionLifetime`: how long a web sign-in lasts (12 h)
    /// - `refreshSeconds`: how often connectors refresh and report (300)
    /// - `maximumCertificateBytes`: the largest PKCS#12 upload (64 KiB)
    /// - `maximumBulkDevices`: the most devices one bulk creation makes (500)
    /// - `trustedCertificateAuthorities`: the CAs an uploaded certificate must chain to (none:
    ///   every upload is refused, naming `--trusted-ca`)
    public struct Settings: Sendable {
        public var testURL: String = "https://efitest.tax.gov.me/fs-v1"
        public var productionURL: String = "https://efi.tax.gov.me/fs-v1"
        public var licenseDays: Int = 366
        public var sessionLifetime: TimeInterval = 12 * 3600
        public var refreshSeconds: Int = 300
        public var maximumCertificateBytes: Int = 64 * 1024
        public var maximumBulkDevices: Int = 500
        public var trustedCertificateAuthorities: [Certificate] = []

        /// The defaults.
        public init() {}

        /// The endpoint for an environment.
        public func url(for environment: Device.Environment) -> String { environment == .production ? productionURL : testURL }
    }

    /// The store.
    public let database: any SQLDatabase
    /// Seals certificate keys at rest.
    public let masterKey: MasterKey
    /// Signs licenses.
    public let licenseKey: Ed25519.PrivateKey
    /// Settings.
    public let settings: Settings
    /// Hashes passwords.
    public let hasher: PasswordHasher
    /// The clock (tests pass their own).
    public let now: @Sendable () -> Date
    let throttle: Mutex<SignInThrottle>
    /// Bounds password hashing (scrypt), which every sign-in needs.
    let gate = CPUGate(limit: ProcessInfo.processInfo.activeProcessorCount)
    /// Bounds opening uploaded PKCS#12 files on a queue of its own (half the cores, a short
    /// queue), so certificate uploads can never hold up or crowd out sign-ins.
    let certificateGate = CPUGate(limit: ProcessInfo.processInfo.activeProcessorCount / 2, queueLimit: 8)

    /// Opens the service on a migrated store.
    public init(database: any SQLDatabase, masterKey: MasterKey, licenseKey: Ed25519.PrivateKey, settings: Settings = Settings(),
                hasher: PasswordHasher = PasswordHasher(), throttle: SignInThrottle = SignInThrottle(), now: @escaping @Sendable () -> Date = { Date() }) throws {
        try AdminSchema.migrate(database)
        self.database = database
        self.masterKey = masterKey
        self.licenseKey = licenseKey
        self.settings = settings
        self.hasher = hasher
        self.now = now
        self.throttle = Mutex(throttle)
    }

    /// Runs `body` in one transaction; store failures become ``AdminError``s.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        do {
            return try await database.transaction(body)
        } catch let error as StoreError {
            throw AdminError(error)
        }
    }

    /// A new id that sorts after every id this process made before (UUID version 7 layout:
    /// milliseconds, then a counter, then randomness), so "newest first" is `ORDER BY id DESC`
    /// even for records made within one clock tick.
    static func newID() -> String {
        let (milliseconds, counter) = idClock.withLock { state -> (UInt64, UInt64) in
            let now = UInt64(max(0, Date().timeIntervalSince1970 * 1000))
            if now > state.milliseconds {
                state = (now, 0)
            } else {
                state.counter += 1
                if state.counter > 0xFFF { state = (state.milliseconds + 1, 0) }
            }
            return state
        }
        var generator = SystemRandomNumberGenerator()
        let random = UInt64.random(in: 0...UInt64.max, using: &generator)
        let hex = String(milliseconds & 0xFFFF_FFFF_FFFF, radix: 16).leftPadded(12) + "7" + String(counter, radix: 16).leftPadded(3)
            + String(8 | (random >> 62), radix: 16) + String(random & 0x3FFF_FFFF_FFFF_FFFF, radix: 16).leftPadded(15)
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    private static let idClock = Mutex<(milliseconds: UInt64, counter: UInt64)>((0, 0))

    /// A random secret with a readable prefix (`fat_` API token, `fdt_` device token, `fs_` session).
    static func newSecret(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        return prefix + UnpaddedBase64.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }, .url)
    }

    /// Secrets are stored only as their SHA-256.
    static func secretHash(_ secret: String) -> String { Hex.lower(Digest.sha256(Array(secret.utf8))) }

    // MARK: Audit

    /// Appends an audit entry in the caller's transaction.
    func audit(_ connection: any SQLConnection, _ actor: String, actorID: String?, organization: String?, action: String,
               entity: String, id: String, before: (some Encodable)?, after: (some Encodable)?) throws {
        let encoder = FiscalJSON.encoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let beforeText = try before.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        let afterText = try after.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        try connection.query(
            "INSERT INTO audit (at, actor_id, actor, organization_id, action, entity, entity_id, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [SQLValue(now()), SQLValue(actorID), .text(actor), SQLValue(organization), .text(action), .text(entity), .text(id), SQLValue(beforeText), SQLValue(afterText)])
    }

    func audit(_ connection: any SQLConnection, _ principal: Principal, organization: String?, action: String, entity: String, id: String,
               before: (some Encodable)?, after: (some Encodable)?) throws {
        try audit(connection, principal.email, actorID: principal.accountID, organization: organization, action: action, entity: entity, id: id, before: before, after: after)
    }
}

extension String {
    /// `true` when the text has no control characters (NUL, line breaks, escapes) and no
    /// bidirectional overrides or isolates (U+202A–202E, U+2066–2069), which make a name show
    /// otherwise than it reads (`Kafana\u{202E}gpj.exe`).
    var isPlainText: Bool {
        !unicodeScalars.contains { $0.properties.generalCategory == .control || (0x202A...0x202E).contains($0.value) || (0x2066...0x2069).contains($0.value) }
    }

    func leftPadded(_ length: Int) -> String { count >= length ? String(suffix(length)) : String(repeating: "0", count: length - count) + self }
}

/// Reads the fields of a form or a JSON object by name, so that the web pages and the API share
/// one validation with one set of field names.
public struct Fields: Sendable {
    /// The raw values.
    public var values: [String: String]

    /// Creates fields.
    public init(_ values: [String: String] = [:]) { self.values = values }

    /// A trimmed value, or `nil` when missing or blank.
    public func optional(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    /// A required value, plain text (see ``text(_:_:limit:required:)``).
    public func required(_ name: String, _ what: String) throws(AdminError) -> String {
        guard let value = optional(name) else { throw .invalid(name, "\(name) is missing: enter \(what)") }
        guard value.isPlainText else {
            throw .invalid(name, "\(name) contains control or text-direction characters (such as U+0000 or U+202E); enter plain text")
        }
        return value
    }

    /// A value of at most `limit` characters.
    public func text(_ name: String, _ what: String, limit: Int = 200, required: Bool = true) throws(AdminError) -> String? {
        guard let value = required ? try self.required(name, what) : optional(name) else { return nil }
        // Counted in Unicode scalars, as JSON Schema's maxLength counts.
        let length = value.unicodeScalars.count
        guard length <= limit else { throw .invalid(name, "\(name) has \(length) characters; at most \(limit) are allowed") }
        guard value.isPlainText else {
            throw .invalid(name, "\(name) contains control or text-direction characters (such as U+0000 or U+202E); enter plain text")
        }
        return value
    }

    /// A yes/no value (`true`, `on`, `1`, `yes` / `false`, `off`, `0`, `no`); missing is `default`.
    public func flag(_ name: String, default value: Bool = false) throws(AdminError) -> Bool {
        guard let text = optional(name)?.lowercased() else { return value }
        switch text {
        case "true", "on", "1", "yes": return true
        case "false", "off", "0", "no": return false
        default: throw .invalid(name, "\(name) is '\(text)'; use true or false")
        }
    }

    /// A registration code (`ab123cd456`), optional unless `required`.
    public func code(_ name: String, _ what: String, required: Bool = false) throws(AdminError) -> String? {
        guard let value = required ? try self.required(name, what) : optional(name) else { return nil }
        guard RegistrationCode.isValid(value) else {
            throw .invalid(name, "\(name) '\(value)' is not a registration code: the tax authority's portal shows it as two letters, three digits, two letters, three digits, e.g. ab123cd456")
        }
        return value
    }

    /// A TIN (PIB).
    public func tin(_ name: String = "tin") throws(AdminError) -> String {
        let value = try required(name, "the company's TIN (PIB), 8 digits")
        guard let tin = TIN(value) else {
            throw .invalid(name, "\(name) '\(value)' is not a TIN: a company's PIB has 8 digits, a person's JMBG 13")
        }
        return tin.value
    }

    /// An email address, lower-cased.
    public func email(_ name: String = "email") throws(AdminError) -> String {
        let value = try required(name, "an email address").lowercased()
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard value.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !value.contains(where: { $0.isWhitespace }), value.isPlainText else {
            throw .invalid(name, "\(name) '\(value)' is not an email address such as ana@example.me")
        }
        return value
    }
}
