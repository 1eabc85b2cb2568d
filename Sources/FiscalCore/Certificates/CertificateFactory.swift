public import Foundation
import COpenSSL

/// Mints RSA-2048 certificates and PKCS#12 files for demonstrations and tests: a root CA,
/// taxpayer seals with `organizationIdentifier=VATME-<TIN>`, a tax-authority signer.
/// Real fiscalization certificates come from a CA registered with the tax authority.
public enum CertificateFactory {
    /// A freshly minted certificate with its key.
    public struct Minted: Sendable {
        /// The certificate.
        public let certificate: Certificate
        /// The key and certificate, usable for signing.
        public let identity: SigningIdentity
        /// The PKCS#12 (AES-256, PBKDF2) encoding, protected by the password given.
        public let pkcs12: [UInt8]
    }

    /// Distinguished-name fields.
    public struct Subject: Sendable {
        public var country: String
        public var organization: String
        public var organizationIdentifier: String?
        public var commonName: String

        /// Creates a subject.
        public init(country: String = "ME", organization: String, organizationIdentifier: String? = nil, commonName: String) {
            self.country = country
            self.organization = organization
            self.organizationIdentifier = organizationIdentifier
            self.commonName = commonName
        }
    }

    /// Mints a certificate for `subject`, signed by `issuer` (self-signed when nil), valid from
    /// `notBefore` for `days` days, packed as PKCS#12 with `password`.
    public static func mint(_ subject: Subject, issuer: Minted? = nil, isCA: Bool = false, notBefore: Date = Date().addingTimeInterval(-86_400),
                            days: Int = 730, password: String) throws -> Minted {
        _ = OpenSSL.providersLoaded
        guard let key = shim_rsa_keygen(2048), let x509 = X509_new() else {
            throw CertificateError(.malformed, "cannot generate a key: \(OpenSSL.drainErrors().map(\.text))")
        }
        defer { EVP_PKEY_free(key); X509_free(x509) }
        X509_set_version(x509, 2)
        var serial = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in serial.indices { serial[index] = UInt8.random(in: 0...255, using: &generator) }
        serial[0] &= 0x7F
        let bn = BN_bin2bn(serial, 16, nil)
        BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x509))
        BN_free(bn)
        var start = time_t(notBefore.timeIntervalSince1970)
        X509_time_adj_ex(X509_getm_notBefore(x509), 0, 0, &start)
        X509_time_adj_ex(X509_getm_notAfter(x509), Int32(days), 0, &start)
        X509_set_pubkey(x509, key)
        let name = X509_get_subject_name(x509)
        add(name, "C", subject.country)
        add(name, "O", subject.organization)
        if let identifier = subject.organizationIdentifier { add(name, "organizationIdentifier", identifier) }
        add(name, "CN", subject.commonName)
        let issuerX509 = issuer?.certificate.x509 ?? x509
        X509_set_issuer_name(x509, X509_get_subject_name(issuerX509))
        if isCA {
            shim_add_extension(x509, issuerX509, NID_basic_constraints, "critical,CA:TRUE")
            shim_add_extension(x509, issuerX509, NID_key_usage, "critical,keyCertSign,cRLSign")
        } else {
            shim_add_extension(x509, issuerX509, NID_basic_constraints, "critical,CA:FALSE")
            shim_add_extension(x509, issuerX509, NID_key_usage, "critical,digitalSignature,nonRepudiation")
        }
        shim_add_extension(x509, issuerX509, NID_subject_key_identifier, "hash")
        let signingKey = issuer?.identity.privateKey ?? key
        guard X509_sign(x509, signingKey, EVP_sha256()) > 0 else {
            throw CertificateError(.malformed, "cannot sign the certificate: \(OpenSSL.drainErrors().map(\.text))")
        }
        let chain = shim_sk_X509_new()
        defer { shim_sk_X509_free(chain) }
        if let issuer { shim_sk_X509_push(chain, issuer.certificate.x509) }
        guard let p12 = PKCS12_create(password, subject.commonName, key, x509, chain, 0, 0, 0, 0, 0) else {
            throw CertificateError(.malformed, "cannot create the PKCS#12 file: \(OpenSSL.drainErrors().map(\.text))")
        }
        defer { PKCS12_free(p12) }
        let length = i2d_PKCS12(p12, nil)
        var bytes = [UInt8](repeating: 0, count: Int(max(length, 0)))
        bytes.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            _ = i2d_PKCS12(p12, &cursor)
        }
        let identity = try SigningIdentity(pkcs12: bytes, password: password)
        return Minted(certificate: identity.certificate, identity: identity, pkcs12: bytes)
    }

    private static func add(_ name: OpaquePointer?, _ field: String, _ value: String) {
        X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, value, -1, -1, 0)
    }
}
