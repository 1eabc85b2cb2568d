internal import COpenSSL
internal import Foundation

/// Encrypts payloads (a device's PKCS#12 certificate and its password, or any bytes) from the
/// admin server to one connector. The connector creates an X25519 key pair at enrolment and sends
/// the public key; the server seals to it; only that connector can open what was sealed.
///
/// Each seal uses a fresh ephemeral X25519 key. The shared secret goes through HKDF-SHA256
/// (salt: ephemeral public key ‖ recipient public key; info: `fiscal-device-envelope-v1:` +
/// context) to a 32-byte AES-256-GCM key; the context is also the GCM additional data, so a sealed
/// value opens only for the context it was sealed for (for example `certificate:<device id>`).
///
/// Sealed format: `FDE1` · ephemeral public key (32) · nonce (12) · ciphertext · tag (16).
public enum DeviceEnvelope {
    private static let magic: [UInt8] = Array("FDE1".utf8)
    private static let infoPrefix = "fiscal-device-envelope-v1:"
    private static let keyLength = 32
    private static let nonceLength = 12
    private static let tagLength = 16
    private static var headerLength: Int { magic.count + keyLength + nonceLength }

    /// A device's X25519 private key; it never leaves the device.
    public struct PrivateKey: Sendable, CustomStringConvertible, CustomReflectable {
        private let raw: [UInt8]
        /// The matching public key, sent to the admin server at enrolment.
        public let publicKey: PublicKey

        fileprivate init?(raw: [UInt8]) {
            guard raw.count == DeviceEnvelope.keyLength,
                  let key = raw.withUnsafeBufferPointer({ EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nil, $0.baseAddress, $0.count) })
            else {
                ERR_clear_error()
                return nil
            }
            defer { EVP_PKEY_free(key) }
            guard let publicRaw = DeviceEnvelope.rawPublicKey(of: key) else { return nil }
            self.raw = raw
            self.publicKey = PublicKey(trusted: publicRaw)
        }

        /// A new random key.
        public static func generate() -> PrivateKey {
            var generated: OpaquePointer?
            if let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, nil) {
                defer { EVP_PKEY_CTX_free(ctx) }
                if EVP_PKEY_keygen_init(ctx) == 1 { _ = EVP_PKEY_keygen(ctx, &generated) }
            }
            guard let generated else {
                preconditionFailure("X25519 key generation failed: \(OpenSSL.drainErrors().map(\.text))")
            }
            defer { EVP_PKEY_free(generated) }
            var length = DeviceEnvelope.keyLength
            var raw = [UInt8](repeating: 0, count: length)
            guard EVP_PKEY_get_raw_private_key(generated, &raw, &length) == 1, length == DeviceEnvelope.keyLength,
                  let key = PrivateKey(raw: raw) else {
                preconditionFailure("X25519 key export failed: \(OpenSSL.drainErrors().map(\.text))")
            }
            return key
        }

        /// Reads a key stored with ``rawBase64`` (32 bytes, standard base64; surrounding whitespace is ignored).
        public init(rawBase64 text: String) throws(EnvelopeError) {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            // The text is a secret: the messages below never quote it.
            guard let data = Data(base64Encoded: trimmed) else {
                throw EnvelopeError(.badKey, "the device private key is not standard base64: restore the key file, or enrol the device again to create a new key")
            }
            guard data.count == DeviceEnvelope.keyLength, let key = PrivateKey(raw: [UInt8](data)) else {
                throw EnvelopeError(.badKey, "the device private key has \(data.count) bytes, not 32: restore the key file, or enrol the device again to create a new key")
            }
            self = key
        }

        /// The 32 raw key bytes in standard base64, for a file only the connector can read (mode 0600).
        public var rawBase64: String { Data(raw).base64EncodedString() }

        /// Names the public key only, so printing a private key never reveals it.
        public var description: String { "DeviceEnvelope.PrivateKey(publicKey: \(publicKey.base64))" }

        /// Shows the public key only, so `dump` never reveals the private key.
        public var customMirror: Mirror { Mirror(self, children: ["publicKey": publicKey]) }

        /// A new EVP_PKEY for this key; the caller frees it.
        fileprivate func makeKey() -> OpaquePointer? {
            raw.withUnsafeBufferPointer { EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nil, $0.baseAddress, $0.count) }
        }
    }

    /// A device's X25519 public key, as registered with the admin server.
    public struct PublicKey: Sendable, Hashable {
        /// The 32 raw key bytes.
        let raw: [UInt8]

        fileprivate init(trusted raw: [UInt8]) { self.raw = raw }

        /// Reads a key from its base64 text (32 raw bytes, standard base64; surrounding whitespace is ignored).
        public init(base64 text: String) throws(EnvelopeError) {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let data = Data(base64Encoded: trimmed) else {
                throw EnvelopeError(.badKey, "the device public key is not standard base64: send the key exactly as the connector printed it at enrolment")
            }
            guard data.count == DeviceEnvelope.keyLength else {
                throw EnvelopeError(.badKey, "the device public key has \(data.count) bytes, not 32: send the key exactly as the connector printed it at enrolment")
            }
            let raw = [UInt8](data)
            // A low-order point makes every shared secret zero, which would let anyone open what is
            // sealed to it. OpenSSL refuses such a derivation; trying one here makes `seal` infallible.
            guard DeviceEnvelope.sharedSecret(privateKey: DeviceEnvelope.probeKey, peer: raw) != nil else {
                throw EnvelopeError(.badKey, "the device public key is not usable (a low-order X25519 point): enrol the device again to create a new key")
            }
            self.raw = raw
        }

        /// The key in standard base64.
        public var base64: String { Data(raw).base64EncodedString() }
    }

    /// Encrypts `plaintext` to `recipient`, bound to `context` (for example `certificate:<device id>`).
    public static func seal(_ plaintext: [UInt8], to recipient: PublicKey, context: String) -> [UInt8] {
        let ephemeral = PrivateKey.generate()
        let ephemeralPublic = ephemeral.publicKey.raw
        // Cannot fail: the recipient key was checked when it was made.
        guard var secret = sharedSecret(privateKey: ephemeral, peer: recipient.raw),
              var key = derivedKey(secret: secret, ephemeralPublic: ephemeralPublic, recipientPublic: recipient.raw, context: context)
        else {
            preconditionFailure("X25519 key agreement failed in OpenSSL: \(OpenSSL.drainErrors().map(\.text))")
        }
        defer { cleanse(&secret); cleanse(&key) }
        var generator = SystemRandomNumberGenerator()
        let nonce = (0..<nonceLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
        guard let (ciphertext, tag) = AESGCM.run(encrypt: true, key: key, nonce: nonce, aad: Array(context.utf8), input: plaintext, tag: nil) else {
            preconditionFailure("AES-256-GCM encryption failed in OpenSSL: \(OpenSSL.drainErrors().map(\.text))")
        }
        return magic + ephemeralPublic + nonce + ciphertext + tag
    }

    /// Decrypts a value sealed by ``seal(_:to:context:)`` to `key`'s public key with the same context.
    public static func open(_ sealed: [UInt8], with key: PrivateKey, context: String) throws(EnvelopeError) -> [UInt8] {
        guard sealed.count >= headerLength + tagLength, Array(sealed.prefix(magic.count)) == magic else {
            throw EnvelopeError(.corrupt, "the payload for \(context) is not a device envelope (truncated, or not sealed with FDE1): ask the admin server to send it again")
        }
        let keyEnd = magic.count + keyLength
        let ephemeralPublic = Array(sealed[magic.count..<keyEnd])
        let nonce = Array(sealed[keyEnd..<headerLength])
        let ciphertext = Array(sealed[headerLength..<(sealed.count - tagLength)])
        let tag = Array(sealed.suffix(tagLength))
        let failure = EnvelopeError(.corrupt, "the payload for \(context) does not open: it was altered, or sealed for another device or context; ask the admin server to send it again")
        guard var secret = sharedSecret(privateKey: key, peer: ephemeralPublic) else { throw failure }
        defer { cleanse(&secret) }
        guard var aesKey = derivedKey(secret: secret, ephemeralPublic: ephemeralPublic, recipientPublic: key.publicKey.raw, context: context) else {
            throw failure
        }
        defer { cleanse(&aesKey) }
        guard let (plaintext, _) = AESGCM.run(encrypt: false, key: aesKey, nonce: nonce, aad: Array(context.utf8), input: ciphertext, tag: tag) else {
            throw failure
        }
        return plaintext
    }

    // MARK: - OpenSSL

    /// Any fixed scalar serves to probe a public key: X25519 clamps scalars to multiples of 8, so
    /// a low-order point gives the all-zero secret whatever the scalar.
    private static let probeKey: PrivateKey = {
        guard let key = PrivateKey(raw: [UInt8](repeating: 0x42, count: keyLength)) else {
            preconditionFailure("X25519 is not available in OpenSSL: \(OpenSSL.drainErrors().map(\.text))")
        }
        return key
    }()

    private static func rawPublicKey(of key: OpaquePointer) -> [UInt8]? {
        var length = keyLength
        var raw = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_get_raw_public_key(key, &raw, &length) == 1, length == keyLength else {
            ERR_clear_error()
            return nil
        }
        return raw
    }

    /// X25519 between `privateKey` and the raw public key `peer`; nil (error queue cleared) when
    /// OpenSSL refuses, for example for a low-order point.
    private static func sharedSecret(privateKey: PrivateKey, peer: [UInt8]) -> [UInt8]? {
        guard peer.count == keyLength,
              let own = privateKey.makeKey(),
              let other = peer.withUnsafeBufferPointer({ EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nil, $0.baseAddress, $0.count) })
        else {
            ERR_clear_error()
            return nil
        }
        defer { EVP_PKEY_free(other) }
        defer { EVP_PKEY_free(own) }
        guard let ctx = EVP_PKEY_CTX_new(own, nil) else {
            ERR_clear_error()
            return nil
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        var length = keyLength
        var secret = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_derive_init(ctx) == 1,
              EVP_PKEY_derive_set_peer(ctx, other) == 1,
              EVP_PKEY_derive(ctx, &secret, &length) == 1,
              length == keyLength
        else {
            ERR_clear_error()
            cleanse(&secret)
            return nil
        }
        return secret
    }

    /// HKDF-SHA256 (extract and expand) of the shared secret to the 32-byte AES key.
    private static func derivedKey(secret: [UInt8], ephemeralPublic: [UInt8], recipientPublic: [UInt8], context: String) -> [UInt8]? {
        guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nil) else {
            ERR_clear_error()
            return nil
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        var ikm = secret
        defer { cleanse(&ikm) }
        var salt = ephemeralPublic + recipientPublic
        var info = Array((infoPrefix + context).utf8)
        var digest = Array("SHA256".utf8CString)
        let configured: Bool = ikm.withUnsafeMutableBytes { ikm in
            salt.withUnsafeMutableBytes { salt in
                info.withUnsafeMutableBytes { info in
                    digest.withUnsafeMutableBufferPointer { digest in
                        // OSSL_PARAM keeps these pointers; all of them outlive the set-params call.
                        let params = [
                            OSSL_PARAM_construct_utf8_string(cName("digest"), digest.baseAddress, 0),
                            OSSL_PARAM_construct_octet_string(cName("key"), ikm.baseAddress, ikm.count),
                            OSSL_PARAM_construct_octet_string(cName("salt"), salt.baseAddress, salt.count),
                            OSSL_PARAM_construct_octet_string(cName("info"), info.baseAddress, info.count),
                            OSSL_PARAM_construct_end(),
                        ]
                        return EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_CTX_set_params(ctx, params) == 1
                    }
                }
            }
        }
        var length = keyLength
        var key = [UInt8](repeating: 0, count: length)
        guard configured, EVP_PKEY_derive(ctx, &key, &length) == 1, length == keyLength else {
            ERR_clear_error()
            cleanse(&key)
            return nil
        }
        return key
    }

    /// A C string with static storage, so a pointer to it stays valid inside an OSSL_PARAM.
    private static func cName(_ name: StaticString) -> UnsafePointer<CChar> {
        UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)
    }

    /// Overwrites key material before its memory is released (best effort: Swift may have copied it).
    private static func cleanse(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
    }
}

/// Why a device envelope or one of its keys cannot be used.
public struct EnvelopeError: CodedError {
    /// The closed set of reasons.
    public enum Code: String, Sendable {
        /// A key is not 32 bytes of standard base64, or is not a usable X25519 key.
        case badKey
        /// The sealed value is truncated or altered, or was sealed for another device or context
        /// (AES-GCM cannot tell these apart).
        case corrupt
    }

    /// What went wrong.
    public let code: Code
    /// Details and the fix; never a key or a payload.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}
