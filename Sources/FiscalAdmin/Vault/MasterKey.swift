public import FiscalCore
public import Foundation

/// The key that encrypts certificates' private keys at rest (AES-256-GCM). It lives outside the
/// database, in a file or the `FISCAL_ADMIN_MASTER_KEY` environment variable, so a copy of the
/// database alone reveals no key. Each sealed value names the master key it was sealed under and
/// is bound to a context (for example `certificate:<client id>`), so it cannot be moved to
/// another record.
///
/// Sealed format: `FMK1` · key id (8 bytes) · nonce (12) · ciphertext · tag (16).
public struct MasterKey: Sendable {
    /// The environment variable read by ``load(path:environment:)``.
    public static let environmentVariable = "FISCAL_ADMIN_MASTER_KEY"
    static let magic: [UInt8] = Array("FMK1".utf8)

    private let bytes: [UInt8]
    /// The first 8 bytes of the key's SHA-256, in hex: names the key without revealing it.
    public let id: String
    private let idBytes: [UInt8]

    /// Reads a key from its base64 text (32 bytes).
    public init(base64 text: String, source: String = "the master key") throws(VaultError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let data = Data(base64Encoded: trimmed), data.count == 32 else {
            throw VaultError(.badMasterKey, "\(source) is not 32 bytes of base64; create one with `fiscal-admin master-key generate > master.key`")
        }
        bytes = [UInt8](data)
        idBytes = Array(Digest.sha256(bytes).prefix(8))
        id = Hex.lower(idBytes)
    }

    /// A new random key.
    public static func generate() -> MasterKey {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        // Cannot fail: 32 bytes encoded by us.
        return try! MasterKey(base64: Data(random).base64EncodedString())
    }

    /// The key as base64, for writing it to its file once.
    public var base64: String { Data(bytes).base64EncodedString() }

    /// Loads the key from `path` if given, else from the environment variable. A file readable by
    /// group or others is refused: the key must be as private as the certificates it protects.
    public static func load(path: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws(VaultError) -> MasterKey {
        if let path {
            let attributes: [FileAttributeKey: Any]
            do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch {
                throw VaultError(.badMasterKey, "cannot read the master key file \(path): create it with `fiscal-admin master-key generate > \(path) && chmod 600 \(path)`")
            }
            if let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
                throw VaultError(.badMasterKey, "the master key file \(path) is readable by other users (mode \(String(mode, radix: 8))): run `chmod 600 \(path)`")
            }
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw VaultError(.badMasterKey, "cannot read the master key file \(path)")
            }
            return try MasterKey(base64: text, source: "the master key file \(path)")
        }
        guard let text = environment[environmentVariable], !text.isEmpty else {
            throw VaultError(.badMasterKey, "no master key: set \(environmentVariable) or give the path of the key file (create one with `fiscal-admin master-key generate`)")
        }
        return try MasterKey(base64: text, source: environmentVariable)
    }

    /// Encrypts `plaintext`, bound to `context`.
    public func seal(_ plaintext: [UInt8], context: String) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        let nonce = (0..<12).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let aad = Array(context.utf8)
        guard let (ciphertext, tag) = AESGCM.run(encrypt: true, key: bytes, nonce: nonce, aad: aad, input: plaintext, tag: nil) else {
            fatalError("AES-256-GCM encryption failed in OpenSSL")
        }
        return Self.magic + idBytes + nonce + ciphertext + tag
    }

    /// Decrypts a value sealed by ``seal(_:context:)`` with the same key and context.
    public func open(_ sealed: [UInt8], context: String) throws(VaultError) -> [UInt8] {
        let header = Self.magic.count + 8 + 12
        guard sealed.count >= header + 16, Array(sealed.prefix(4)) == Self.magic else {
            throw VaultError(.corrupt, "the stored secret for \(context) is not a sealed value")
        }
        let keyID = Array(sealed[4..<12])
        guard keyID == idBytes else {
            throw VaultError(.wrongMasterKey, "the secret for \(context) was sealed under master key \(Hex.lower(keyID)), this server has \(id): start it with the master key the database was created with")
        }
        let nonce = Array(sealed[12..<24])
        let ciphertext = Array(sealed[header..<(sealed.count - 16)])
        let tag = Array(sealed.suffix(16))
        guard let (plaintext, _) = AESGCM.run(encrypt: false, key: bytes, nonce: nonce, aad: Array(context.utf8), input: ciphertext, tag: tag) else {
            throw VaultError(.corrupt, "the secret for \(context) does not decrypt: it was altered or belongs to another record")
        }
        return plaintext
    }
}

/// Why a secret cannot be sealed or opened.
public struct VaultError: CodedError {
    /// The closed set of reasons.
    public enum Code: String, Sendable {
        /// The master key is missing, unreadable, exposed or malformed.
        case badMasterKey
        /// The value was sealed under another master key.
        case wrongMasterKey
        /// The value was altered, truncated or moved to another record.
        case corrupt
    }

    /// What went wrong.
    public let code: Code
    /// Details and the fix.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}
