public import Foundation
import COpenSSL

/// An X.509 certificate: who it names, who issued it, how long it is valid, and the taxpayer
/// TIN it carries in `organizationIdentifier=VATME-<TIN>`.
public final class Certificate: @unchecked Sendable, Equatable, CustomStringConvertible {
    // Immutable after init; OpenSSL allows concurrent read-only use of an X509.
    let x509: OpaquePointer

    /// The DER encoding.
    public let der: [UInt8]
    /// Subject distinguished name (RFC 2253 form).
    public let subject: String
    /// Issuer distinguished name (RFC 2253 form).
    public let issuer: String
    /// Serial number in uppercase hex.
    public let serialNumber: String
    /// Start of validity.
    public let notBefore: Date
    /// End of validity.
    public let notAfter: Date
    /// The subject's `organizationIdentifier`, e.g. `VATME-12345678`, if present.
    public let organizationIdentifier: String?
    /// The subject's common name, if present.
    public let commonName: String?

    /// Takes ownership of `x509`.
    init(owning x509: OpaquePointer) {
        self.x509 = x509
        let length = i2d_X509(x509, nil)
        var der = [UInt8](repeating: 0, count: Int(max(length, 0)))
        der.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            _ = i2d_X509(x509, &cursor)
        }
        self.der = der
        subject = Self.name(X509_get_subject_name(x509))
        issuer = Self.name(X509_get_issuer_name(x509))
        serialNumber = Self.serial(x509)
        notBefore = Self.date(X509_get0_notBefore(x509))
        notAfter = Self.date(X509_get0_notAfter(x509))
        organizationIdentifier = Self.entry(X509_get_subject_name(x509), NID_organizationIdentifier)
        commonName = Self.entry(X509_get_subject_name(x509), NID_commonName)
    }

    deinit { X509_free(x509) }

    /// Parses a DER-encoded certificate.
    public convenience init(der: [UInt8]) throws {
        var parsed: OpaquePointer?
        der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            parsed = d2i_X509(nil, &cursor, buffer.count)
        }
        guard let parsed else {
            _ = OpenSSL.drainErrors()
            throw CertificateError(.malformed, "not a DER-encoded X.509 certificate")
        }
        self.init(owning: parsed)
    }

    /// Parses the first certificate of a PEM text.
    public convenience init(pem: [UInt8]) throws {
        guard let first = try Self.allFromPEM(pem).first else {
            throw CertificateError(.noCertificate, "no '-----BEGIN CERTIFICATE-----' block found")
        }
        self.init(owning: X509_dup(first.x509))
    }

    /// Reads a certificate file in PEM or DER form (the first certificate of a PEM file).
    public convenience init(contentsOf path: String) throws {
        guard let first = try Self.all(contentsOf: path).first else {
            throw CertificateError(.noCertificate, "no '-----BEGIN CERTIFICATE-----' block found", source: path)
        }
        self.init(owning: X509_dup(first.x509))
    }

    /// Every certificate in a PEM file, or the one certificate of a DER file.
    public static func all(contentsOf path: String) throws -> [Certificate] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CertificateError(.unreadable, "cannot read the file; check the path and permissions", source: path)
        }
        let bytes = [UInt8](data)
        do {
            if String(decoding: bytes.prefix(4096), as: UTF8.self).contains("-----BEGIN") {
                return try allFromPEM(bytes)
            }
            return [try Certificate(der: bytes)]
        } catch let error as CertificateError {
            throw CertificateError(error.code, error.message, source: path)
        }
    }

    /// Every certificate in a PEM text, in order.
    public static func allFromPEM(_ pem: [UInt8]) throws -> [Certificate] {
        var result: [Certificate] = []
        try pem.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else {
                throw CertificateError(.malformed, "cannot read PEM data")
            }
            defer { BIO_free(bio) }
            while let x509 = PEM_read_bio_X509(bio, nil, nil, nil) {
                result.append(Certificate(owning: x509))
            }
            _ = OpenSSL.drainErrors() // the loop ends with a "no start line" error
        }
        return result
    }

    /// The taxpayer TIN from `organizationIdentifier=VATME-<TIN>`, if the certificate has one.
    public var taxpayerTIN: TIN? {
        guard let identifier = organizationIdentifier else { return nil }
        for prefix in ["VATME-", "VATME"] where identifier.hasPrefix(prefix) {
            return TIN(String(identifier.dropFirst(prefix.count)))
        }
        return nil
    }

    /// SHA-256 of the DER encoding, uppercase hex.
    public var sha256Fingerprint: String { Hex.upper(Digest.sha256(der)) }

    /// The certificate in PEM form.
    public var pem: String {
        let body = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n"
    }

    /// `true` when `date` lies within the validity period.
    public func isValid(at date: Date) -> Bool { date >= notBefore && date <= notAfter }

    /// Whole days from `date` until expiry (negative once expired).
    public func daysUntilExpiry(from date: Date) -> Int {
        Int((notAfter.timeIntervalSince(date) / 86_400).rounded(.down))
    }

    /// Checks an RSASSA-PKCS1-v1_5 SHA-256 signature made with this certificate's key.
    public func isValidSignature(_ signature: [UInt8], for data: some Collection<UInt8>) -> Bool {
        guard let key = X509_get0_pubkey(x509), let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        var pctx: OpaquePointer?
        guard EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), nil, key) == 1 else { _ = OpenSSL.drainErrors(); return false }
        if EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA {
            EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING)
        }
        let message = Array(data)
        let result = signature.withUnsafeBufferPointer { sig in
            message.withUnsafeBufferPointer { msg in
                EVP_DigestVerify(ctx, sig.baseAddress, sig.count, msg.baseAddress, msg.count)
            }
        }
        _ = OpenSSL.drainErrors()
        return result == 1
    }

    /// `true` for a certificate authority (basic constraints CA, or an old-style self-signed root).
    public var isCertificateAuthority: Bool { X509_check_ca(x509) >= 1 }

    /// `true` when `issuerCertificate`'s key signed this certificate.
    public func isSigned(by issuerCertificate: Certificate) -> Bool {
        guard let key = X509_get0_pubkey(issuerCertificate.x509) else { return false }
        let ok = X509_verify(x509, key) == 1
        _ = OpenSSL.drainErrors()
        return ok
    }

    /// `true` when one of `trusted` issued this certificate, directly or through CA certificates
    /// among `intermediates` (at most four links; signatures checked, not revocation).
    public func chains(to trusted: [Certificate], through intermediates: [Certificate] = []) -> Bool {
        var current = self
        for _ in 0..<5 {
            if trusted.contains(where: { $0 == current || ($0.isCertificateAuthority && current.issuer == $0.subject && current.isSigned(by: $0)) }) { return true }
            guard let next = intermediates.first(where: { $0 != current && $0.isCertificateAuthority && current.issuer == $0.subject && current.isSigned(by: $0) }) else { return false }
            current = next
        }
        return false
    }

    public static func == (lhs: Certificate, rhs: Certificate) -> Bool { lhs.der == rhs.der }

    public var description: String { "\(subject) (serial \(serialNumber), valid until \(notAfter))" }

    // MARK: - reading OpenSSL structures

    static func name(_ name: OpaquePointer?) -> String {
        guard let name, let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        X509_NAME_print_ex(bio, name, 0, shim_name_flags())
        var pointer: UnsafeMutablePointer<CChar>?
        let length = shim_BIO_get_mem_data(bio, &pointer)
        guard let pointer, length > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    static func entry(_ name: OpaquePointer?, _ nid: Int32) -> String? {
        guard let name else { return nil }
        let index = X509_NAME_get_index_by_NID(name, nid, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry) else { return nil }
        var utf8: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&utf8, data)
        guard length >= 0, let utf8 else { return nil }
        defer { shim_OPENSSL_free(utf8) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }

    static func serial(_ x509: OpaquePointer) -> String {
        guard let integer = X509_get0_serialNumber(x509), let bn = ASN1_INTEGER_to_BN(integer, nil) else { return "" }
        defer { BN_free(bn) }
        guard let hex = BN_bn2hex(bn) else { return "" }
        defer { shim_OPENSSL_free(hex) }
        return String(cString: hex)
    }

    static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date {
        var parts = tm()
        guard let time, ASN1_TIME_to_tm(time, &parts) == 1 else { return .distantPast }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}
