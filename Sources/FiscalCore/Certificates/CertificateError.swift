/// Why a certificate or key could not be used. Messages name the file and the fix, never a secret.
public struct CertificateError: CodedError {
    /// The closed set of reasons.
    public enum Code: String, Sendable {
        /// The file could not be read.
        case unreadable
        /// Neither PKCS#12 nor PEM, or damaged.
        case malformed
        /// The password does not open the container or key.
        case wrongPassword
        /// The container uses an encryption this build cannot decrypt.
        case unsupportedEncryption
        /// The container holds no private key.
        case noPrivateKey
        /// The container holds no certificate.
        case noCertificate
        /// The private key does not belong to the certificate.
        case keyCertificateMismatch
        /// The key is not RSA (the IIC signature is RSA-SHA256).
        case notRSA
        /// The RSA key is not 2048 bits (IICSignature is exactly 256 bytes).
        case wrongKeySize
        /// A PKCS#12 file asks for more key-derivation or MAC iterations than accepted.
        case tooManyIterations
    }

    /// What went wrong.
    public let code: Code
    /// A sentence naming the value and the fix.
    public let message: String
    /// Where the material came from (a file path or a description), if known.
    public let source: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, source: String? = nil) {
        self.code = code
        self.message = message
        self.source = source
    }

    /// The message prefixed with the source, so a log line says which file to fix.
    public var description: String {
        if let source { return "\(source): \(message)" }
        return message
    }
}
