internal import COpenSSL
internal import FiscalCore
internal import Foundation

/// Hashes and checks sign-in passwords with scrypt (RFC 7914), stored as PHC strings such as
/// `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (standard base64 without padding). OpenSSL 3.0 has no
/// Argon2; scrypt is the memory-hard function it has. Passwords are compared in constant time.
public struct PasswordHasher: Sendable {
    /// scrypt's cost parameters.
    public struct Parameters: Sendable, Hashable {
        /// log2 of the CPU/memory cost N.
        public var logN: Int
        /// Block size.
        public var r: Int
        /// Parallelism.
        public var p: Int

        /// Creates parameters.
        public init(logN: Int, r: Int, p: Int) {
            self.logN = logN
            self.r = r
            self.p = p
        }

        /// N = 2^15, r = 8, p = 1: 32 MiB and about 0.1 s per hash on a server core.
        public static let recommended = Parameters(logN: 15, r: 8, p: 1)

        /// The range a stored hash may use; anything outside it (or needing more than 64 MiB) is
        /// refused rather than computed, so a planted hash cannot exhaust the server's memory.
        static func isAcceptable(_ value: Parameters) -> Bool {
            (10...20).contains(value.logN) && (1...16).contains(value.r) && (1...4).contains(value.p)
                && 128 * value.r * (1 << value.logN) <= 64 << 20
        }
    }

    /// Shortest password accepted.
    public static let minimumLength = 10
    /// Longest password accepted (in characters), so that hashing cannot be made expensive.
    public static let maximumLength = 256

    /// The parameters new hashes use.
    public let parameters: Parameters

    /// Creates a hasher.
    public init(parameters: Parameters = .recommended) {
        precondition(Parameters.isAcceptable(parameters), "scrypt parameters out of range")
        self.parameters = parameters
    }

    /// Checks a new password's length; the error names the field and the rule.
    public static func checkStrength(_ password: String, field: String = "password") throws(AdminError) {
        let length = password.unicodeScalars.count  // as JSON Schema's minLength and maxLength count
        if length < minimumLength {
            throw AdminError(.weakPassword, field: field, "\(field) has \(length) characters; use at least \(minimumLength) (a passphrase of a few words is easiest to remember)")
        }
        if length > maximumLength {
            throw AdminError(.weakPassword, field: field, "\(field) has \(length) characters; use at most \(maximumLength)")
        }
    }

    /// Hashes a new password after checking its strength.
    public func hash(_ password: String) throws(AdminError) -> String {
        try Self.checkStrength(password)
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        guard let derived = Self.derive(password, salt: salt, parameters: parameters, length: 32) else {
            ERR_clear_error()
            throw AdminError(.internal, field: "password", "scrypt could not run (out of memory?); try again")
        }
        return "$scrypt$ln=\(parameters.logN),r=\(parameters.r),p=\(parameters.p)$\(UnpaddedBase64.encode(salt, .standard))$\(UnpaddedBase64.encode(derived, .standard))"
    }

    /// `true` when `password` matches `stored`; a malformed or out-of-range hash never matches.
    public func verify(_ password: String, against stored: String) -> Bool {
        guard password.unicodeScalars.count <= Self.maximumLength, let parsed = Self.parse(stored),
              let derived = Self.derive(password, salt: parsed.salt, parameters: parsed.parameters, length: parsed.hash.count)
        else { return false }
        return derived.withUnsafeBytes { a in
            parsed.hash.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0 }
        }
    }

    /// `true` when `stored` was made with other parameters than this hasher's (rehash after a
    /// successful sign-in).
    public func needsRehash(_ stored: String) -> Bool {
        Self.parse(stored)?.parameters != parameters
    }

    static func parse(_ stored: String) -> (parameters: Parameters, salt: [UInt8], hash: [UInt8])? {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty, parts[1] == "scrypt" else { return nil }
        var values: [String: Int] = [:]
        for pair in parts[2].split(separator: ",") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, let number = Int(kv[1]) else { return nil }
            values[String(kv[0])] = number
        }
        guard let logN = values["ln"], let r = values["r"], let p = values["p"], values.count == 3 else { return nil }
        let parameters = Parameters(logN: logN, r: r, p: p)
        guard Parameters.isAcceptable(parameters), let salt = UnpaddedBase64.decode(parts[3], .standard), let hash = UnpaddedBase64.decode(parts[4], .standard),
              salt.count >= 8, (16...64).contains(hash.count) else { return nil }
        return (parameters, salt, hash)
    }

    static func derive(_ password: String, salt: [UInt8], parameters: Parameters, length: Int) -> [UInt8]? {
        let secret = Array(password.precomposedStringWithCanonicalMapping.utf8)
        let n = UInt64(1) << UInt64(parameters.logN)
        let r = UInt64(parameters.r), p = UInt64(parameters.p)
        let maxMemory = 128 * r * (n + p + 2) + 65536
        var output = [UInt8](repeating: 0, count: length)
        let status = secret.withUnsafeBufferPointer { passwordBytes in
            passwordBytes.withMemoryRebound(to: CChar.self) { passwordChars in
                EVP_PBE_scrypt(passwordChars.baseAddress, passwordChars.count, salt, salt.count, n, r, p, maxMemory, &output, length)
            }
        }
        guard status == 1 else {
            ERR_clear_error()
            return nil
        }
        return output
    }
}
