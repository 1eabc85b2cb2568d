import COpenSSL
import Foundation
import Synchronization

/// A taxpayer's certificate with its RSA-2048 private key: what signs the IIC and the messages.
///
/// Loads every PKCS#12 flavour in use (AES/PBKDF2 as well as the old RC2-40/3DES files the
/// Montenegrin CAs issued) and PEM. The key never leaves this object.
public final class SigningIdentity: @unchecked Sendable {
    // Immutable after init; OpenSSL 3 allows concurrent signing with one EVP_PKEY, each
    // signature using its own EVP_MD_CTX.
    private let key: OpaquePointer
    /// The private key, for minting certificates it issues (demo and test CAs only).
    var privateKey: OpaquePointer { key }
    // Signing contexts, initialised once (RSA, PKCS#1 v1.5, SHA-256) and reused: setting up a
    // context costs about a tenth of an RSA-2048 signature. One context is used by one call at a time.
    private let contexts = Mutex<[SigningContext]>([])
    /// The signer's certificate.
    public let certificate: Certificate
    /// Further certificates found in the container (the CA chain), leaf excluded.
    public let chain: [Certificate]
    /// The certificate's DER in base64, as `KeyInfo` carries it.
    public let certificateBase64: String

    private init(key: OpaquePointer, certificate: Certificate, chain: [Certificate], source: String?) throws {
        self.key = key
        self.certificate = certificate
        self.chain = chain
        self.certificateBase64 = Data(certificate.der).base64EncodedString()
        guard EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA else {
            throw CertificateError(.notRSA, "the private key is not an RSA key; EFI signatures are RSA-SHA256 with a 2048-bit key, so ask the CA for an RSA certificate", source: source)
        }
        let bits = EVP_PKEY_get_bits(key)
        guard bits == 2048 else {
            throw CertificateError(.wrongKeySize, "the RSA key has \(bits) bits; EFI requires exactly 2048 bits (the IICSignature is 256 bytes)", source: source)
        }
        guard X509_check_private_key(certificate.x509, key) == 1 else {
            _ = OpenSSL.drainErrors()
            throw CertificateError(.keyCertificateMismatch, "the private key does not belong to the certificate '\(certificate.subject)'; use the key issued together with this certificate", source: source)
        }
    }

    deinit {
        contexts.withLock { pool in pool.forEach { EVP_PKEY_CTX_free($0.pointer) } }
        EVP_PKEY_free(key)
    }

    /// Opens a PKCS#12 (.pfx/.p12) container.
    public convenience init(pkcs12 bytes: [UInt8], password: String, source: String? = nil) throws {
        _ = OpenSSL.providersLoaded
        _ = OpenSSL.drainErrors()
        var p12: OpaquePointer?
        bytes.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            p12 = d2i_PKCS12(nil, &cursor, buffer.count)
        }
        guard let p12 else {
            _ = OpenSSL.drainErrors()
            throw CertificateError(.malformed, "not a PKCS#12 (.pfx/.p12) file, or the file is damaged", source: source)
        }
        defer { PKCS12_free(p12) }
        try Self.checkIterations(p12, password: password, source: source)
        if PKCS12_mac_present(p12) == 1 && PKCS12_verify_mac(p12, password, Int32(password.utf8.count)) != 1 {
            let errors = OpenSSL.drainErrors()
            if Self.isUnsupported(errors) {
                throw CertificateError(.unsupportedEncryption, "the file's integrity algorithm is not supported (\(errors.last?.text ?? "unknown")); re-export it with AES-256 and SHA-256", source: source)
            }
            throw CertificateError(.wrongPassword, "the password does not open this PKCS#12 file; check the password (it is case-sensitive)", source: source)
        }
        var key: OpaquePointer?
        var x509: OpaquePointer?
        var ca: OpaquePointer?
        guard PKCS12_parse(p12, password, &key, &x509, &ca) == 1 else {
            let errors = OpenSSL.drainErrors()
            if Self.isUnsupported(errors) {
                throw CertificateError(.unsupportedEncryption, "the file is encrypted with an algorithm this build cannot decrypt (\(errors.last?.text ?? "unknown")); re-export it with 'openssl pkcs12 -export' (AES-256) or install the OpenSSL legacy provider for old RC2/3DES files", source: source)
            }
            if errors.contains(where: { $0.text.contains("bad decrypt") || $0.text.contains("mac verify") }) {
                throw CertificateError(.wrongPassword, "the password does not open this PKCS#12 file; check the password (it is case-sensitive)", source: source)
            }
            throw CertificateError(.malformed, "the PKCS#12 file could not be read (\(errors.last?.text ?? "unknown error"))", source: source)
        }
        var chain: [Certificate] = []
        if let ca {
            for i in 0..<shim_sk_X509_num(ca) {
                if let item = shim_sk_X509_value(ca, i), let copy = X509_dup(item) {
                    chain.append(Certificate(owning: copy))
                }
            }
            shim_sk_X509_pop_free(ca)
        }
        // OpenSSL pairs key and certificate by localKeyID; an unpaired certificate lands in `ca`.
        guard let key else {
            if let x509 { X509_free(x509) }
            if let found = chain.first {
                throw CertificateError(.noPrivateKey, "the PKCS#12 file holds the certificate '\(found.subject)' but no private key; export it again including the private key", source: source)
            }
            throw CertificateError(.noCertificate, "the PKCS#12 file holds neither a certificate nor a private key", source: source)
        }
        let certificate: Certificate
        if let x509 {
            certificate = Certificate(owning: x509)
        } else if let leaf = chain.first(where: { X509_check_private_key($0.x509, key) == 1 }) ?? chain.first {
            _ = OpenSSL.drainErrors()
            certificate = leaf
            chain.removeAll { $0 === leaf }
        } else {
            EVP_PKEY_free(key)
            throw CertificateError(.noCertificate, "the PKCS#12 file holds a private key but no certificate; export the certificate together with its key", source: source)
        }
        try self.init(key: key, certificate: certificate, chain: chain, source: source)
    }

    /// Opens PEM text holding the certificate and the private key (the key may be encrypted with
    /// `password`); `keyPEM` may be given separately.
    public convenience init(pem: [UInt8], keyPEM: [UInt8]? = nil, password: String?, source: String? = nil) throws {
        _ = OpenSSL.providersLoaded
        _ = OpenSSL.drainErrors()
        let certificates = try Certificate.allFromPEM(pem)
        guard let leaf = certificates.first else {
            throw CertificateError(.noCertificate, "no '-----BEGIN CERTIFICATE-----' block found", source: source)
        }
        let keyText = keyPEM ?? pem
        var key: OpaquePointer?
        keyText.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return }
            defer { BIO_free(bio) }
            if let password {
                key = password.withCString { pass in
                    PEM_read_bio_PrivateKey(bio, nil, nil, UnsafeMutableRawPointer(mutating: pass))
                }
            } else {
                // An empty passphrase makes OpenSSL fail instead of prompting on the terminal.
                key = "".withCString { pass in PEM_read_bio_PrivateKey(bio, nil, nil, UnsafeMutableRawPointer(mutating: pass)) }
            }
        }
        guard let key else {
            let errors = OpenSSL.drainErrors()
            let text = String(decoding: keyText, as: UTF8.self)
            if text.contains("ENCRYPTED") {
                if Self.isUnsupported(errors) {
                    throw CertificateError(.unsupportedEncryption, "the private key is encrypted with an unsupported algorithm; re-encrypt it with 'openssl pkcs8 -topk8 -v2 aes-256-cbc'", source: source)
                }
                throw CertificateError(.wrongPassword, password == nil ? "the private key is encrypted; give its password" : "the password does not decrypt the private key; check the password", source: source)
            }
            throw CertificateError(.noPrivateKey, "no PEM private key block found; add the certificate's private key (PKCS#8 or traditional RSA PEM)", source: source)
        }
        try self.init(key: key, certificate: leaf, chain: Array(certificates.dropFirst()), source: source)
    }

    /// Loads a PKCS#12 or PEM file (detected from its content).
    public convenience init(contentsOf path: String, password: String?, keyPath: String? = nil) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CertificateError(.unreadable, "cannot read the certificate file; check the path and permissions", source: path)
        }
        let bytes = [UInt8](data)
        if String(decoding: bytes.prefix(4096), as: UTF8.self).contains("-----BEGIN") {
            var keyBytes: [UInt8]?
            if let keyPath {
                guard let keyData = FileManager.default.contents(atPath: keyPath) else {
                    throw CertificateError(.unreadable, "cannot read the key file; check the path and permissions", source: keyPath)
                }
                keyBytes = [UInt8](keyData)
            }
            try self.init(pem: bytes, keyPEM: keyBytes, password: password, source: path)
        } else {
            try self.init(pkcs12: bytes, password: password ?? "", source: path)
        }
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `data`: 256 bytes.
    public func sign(_ data: some Collection<UInt8>) -> [UInt8] {
        let digest = Digest.sha256(data)
        let context = contexts.withLock { $0.popLast() } ?? makeContext()
        defer { contexts.withLock { $0.append(context) } }
        var length = 256
        var signature = [UInt8](repeating: 0, count: length)
        let ok = EVP_PKEY_sign(context.pointer, &signature, &length, digest, digest.count)
        precondition(ok == 1, "EVP_PKEY_sign failed: \(OpenSSL.drainErrors().map(\.text))")
        return Array(signature.prefix(length))
    }

    private func makeContext() -> SigningContext {
        guard let context = EVP_PKEY_CTX_new_from_pkey(nil, key, nil),
              EVP_PKEY_sign_init(context) == 1,
              EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) == 1,
              EVP_PKEY_CTX_set_signature_md(context, Digest.sha256Algorithm) == 1 else {
            preconditionFailure("cannot set up RSA signing: \(OpenSSL.drainErrors().map(\.text))")
        }
        return SigningContext(pointer: context)
    }

    private static func isUnsupported(_ errors: [(reason: Int32, text: String)]) -> Bool {
        errors.contains { $0.text.contains("unsupported") || $0.text.contains("unknown algorithm") || $0.text.contains("unknown cipher") }
    }
}

/// An initialised signing context; used by one call at a time, handed between calls by the pool.
private struct SigningContext: @unchecked Sendable {
    let pointer: OpaquePointer
}
