import Foundation
import COpenSSL

/// Ed25519 keys for device licenses (RFC 8032), through OpenSSL.
public enum Ed25519 {
    /// A private signing key.
    public final class PrivateKey: @unchecked Sendable {
        // Immutable after init; used read-only.
        let key: OpaquePointer

        private init(key: OpaquePointer) { self.key = key }
        deinit { EVP_PKEY_free(key) }

        /// A new random key.
        public static func generate() -> PrivateKey {
            guard let key = shim_ed25519_keygen() else {
                preconditionFailure("Ed25519 key generation failed: \(OpenSSL.drainErrors().map(\.text))")
            }
            return PrivateKey(key: key)
        }

        /// Reads a PEM (PKCS#8) private key.
        public convenience init(pem: [UInt8]) throws(LicenseError) {
            var parsed: OpaquePointer?
            pem.withUnsafeBytes { raw in
                guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return }
                defer { BIO_free(bio) }
                parsed = "".withCString { PEM_read_bio_PrivateKey(bio, nil, nil, UnsafeMutableRawPointer(mutating: $0)) }
            }
            _ = OpenSSL.drainErrors()
            guard let parsed, EVP_PKEY_get_base_id(parsed) == EVP_PKEY_ED25519 else {
                throw LicenseError(.badKey, "not an Ed25519 private key in PEM (PKCS#8) form; create one with 'fiscal-admin license keygen'")
            }
            self.init(key: parsed)
        }

        /// The key in PEM (PKCS#8) form.
        public var pem: String {
            guard let bio = BIO_new(BIO_s_mem()) else { return "" }
            defer { BIO_free(bio) }
            PEM_write_bio_PrivateKey(bio, key, nil, nil, 0, nil, nil)
            var pointer: UnsafeMutablePointer<CChar>?
            let length = shim_BIO_get_mem_data(bio, &pointer)
            guard let pointer, length > 0 else { return "" }
            return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
        }

        /// The matching public key.
        public var publicKey: PublicKey {
            var length = 32
            var raw = [UInt8](repeating: 0, count: 32)
            EVP_PKEY_get_raw_public_key(key, &raw, &length)
            return try! PublicKey(raw: raw)
        }

        /// Signs `message` (64-byte signature).
        public func sign(_ message: [UInt8]) -> [UInt8] {
            guard let ctx = EVP_MD_CTX_new() else { preconditionFailure("out of memory") }
            defer { EVP_MD_CTX_free(ctx) }
            guard EVP_DigestSignInit(ctx, nil, nil, nil, key) == 1 else {
                preconditionFailure("Ed25519 sign init failed: \(OpenSSL.drainErrors().map(\.text))")
            }
            var length = 64
            var signature = [UInt8](repeating: 0, count: 64)
            let ok = message.withUnsafeBufferPointer { EVP_DigestSign(ctx, &signature, &length, $0.baseAddress, $0.count) }
            precondition(ok == 1, "Ed25519 sign failed")
            return signature
        }
    }

    /// A public verification key.
    public struct PublicKey: Sendable, Hashable {
        /// The 32 raw key bytes.
        public let raw: [UInt8]

        /// Creates a key from its 32 raw bytes.
        public init(raw: [UInt8]) throws(LicenseError) {
            guard raw.count == 32 else { throw LicenseError(.badKey, "an Ed25519 public key has 32 bytes, not \(raw.count)") }
            self.raw = raw
        }

        /// Reads a PEM public key (`-----BEGIN PUBLIC KEY-----`).
        public init(pem: [UInt8]) throws(LicenseError) {
            var parsed: OpaquePointer?
            pem.withUnsafeBytes { raw in
                guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return }
                defer { BIO_free(bio) }
                parsed = PEM_read_bio_PUBKEY(bio, nil, nil, nil)
            }
            _ = OpenSSL.drainErrors()
            guard let parsed else {
                throw LicenseError(.badKey, "not a public key in PEM form (-----BEGIN PUBLIC KEY-----)")
            }
            defer { EVP_PKEY_free(parsed) }
            guard EVP_PKEY_get_base_id(parsed) == EVP_PKEY_ED25519 else {
                throw LicenseError(.badKey, "the public key is not an Ed25519 key")
            }
            var length = 32
            var bytes = [UInt8](repeating: 0, count: 32)
            EVP_PKEY_get_raw_public_key(parsed, &bytes, &length)
            try self.init(raw: bytes)
        }

        /// The key in PEM form.
        public var pem: String {
            guard let key = raw.withUnsafeBufferPointer({ EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, $0.baseAddress, 32) }),
                  let bio = BIO_new(BIO_s_mem()) else { return "" }
            defer { BIO_free(bio); EVP_PKEY_free(key) }
            PEM_write_bio_PUBKEY(bio, key)
            var pointer: UnsafeMutablePointer<CChar>?
            let length = shim_BIO_get_mem_data(bio, &pointer)
            guard let pointer, length > 0 else { return "" }
            return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
        }

        /// A short identifier: the first 8 bytes of SHA-256 of the raw key, hex.
        public var keyID: String { Hex.lower(Digest.sha256(raw).prefix(8)) }

        /// Checks an Ed25519 signature.
        public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
            guard signature.count == 64,
                  let key = raw.withUnsafeBufferPointer({ EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, $0.baseAddress, 32) }),
                  let ctx = EVP_MD_CTX_new() else { return false }
            defer { EVP_MD_CTX_free(ctx); EVP_PKEY_free(key) }
            guard EVP_DigestVerifyInit(ctx, nil, nil, nil, key) == 1 else { _ = OpenSSL.drainErrors(); return false }
            let ok = signature.withUnsafeBufferPointer { sig in
                message.withUnsafeBufferPointer { EVP_DigestVerify(ctx, sig.baseAddress, sig.count, $0.baseAddress, $0.count) }
            }
            _ = OpenSSL.drainErrors()
            return ok == 1
        }
    }
}
