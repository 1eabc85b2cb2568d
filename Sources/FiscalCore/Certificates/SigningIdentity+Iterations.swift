import COpenSSL

extension SigningIdentity {
    /// The most iterations one key derivation or the MAC of a PKCS#12 file may ask for.
    ///
    /// OpenSSL exports use 2048, Java 10 000, Windows 2000 and current recommendations for
    /// PBKDF2-SHA256 600 000; a million leaves room above all of them and costs about 0.4 s of
    /// CPU. Anything beyond is refused before any work: a 3.6 KB file asking for 2³¹−1 would
    /// otherwise hold a core for a quarter of an hour.
    public static let maximumPKCS12Iterations: Int64 = 1_000_000
    /// The most iterations all derivations of one file together may ask for (a MAC, an encrypted
    /// certificate part and a shrouded key at the single maximum), so many small encrypted parts
    /// cannot add up to the same cost either.
    public static let maximumPKCS12TotalIterations: Int64 = 3_000_000

    /// Sums the iteration counts a PKCS#12 file asks for and refuses it by name when one or the
    /// sum is above the limits. Only reads parameters: the MAC's, each encrypted part's and each
    /// shrouded key's; an encrypted part is opened (its cost already checked) to check the keys
    /// inside it. With a wrong password those stay closed, and OpenSSL refuses the file anyway.
    static func checkIterations(_ p12: OpaquePointer, password: String, source: String?) throws {
        var total: Int64 = 0
        func count(_ iterations: Int64, _ what: String) throws {
            let iterations = max(0, iterations)
            total = iterations > maximumPKCS12TotalIterations ? iterations : total + iterations
            if iterations > maximumPKCS12Iterations || total > maximumPKCS12TotalIterations {
                let detail = iterations > maximumPKCS12Iterations
                    ? "the file's \(what) asks for \(iterations) iterations; at most \(maximumPKCS12Iterations) are accepted"
                    : "the file's key derivations ask for \(total) iterations together; at most \(maximumPKCS12TotalIterations) are accepted"
                throw CertificateError(.tooManyIterations, detail + " (real exports use 2048 to a few hundred thousand): export it again with your tool's default settings, e.g. 'openssl pkcs12 -export'", source: source)
            }
        }
        func bags(_ stack: OpaquePointer?) throws {
            guard let stack else { return }
            for index in 0..<shim_sk_PKCS12_SAFEBAG_num(stack) {
                guard let bag = shim_sk_PKCS12_SAFEBAG_value(stack, index) else { continue }
                switch PKCS12_SAFEBAG_get_nid(bag) {
                case NID_pkcs8ShroudedKeyBag:
                    var algorithm: UnsafePointer<X509_ALGOR>?
                    X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &algorithm, nil)
                    try count(try iterations(algorithm, source: source), "private key encryption")
                case NID_safeContentsBag:
                    try bags(PKCS12_SAFEBAG_get0_safes(bag))
                default:
                    break
                }
            }
        }

        var macIterations: UnsafePointer<ASN1_INTEGER>?
        if PKCS12_mac_present(p12) == 1 {
            PKCS12_get0_mac(nil, nil, nil, &macIterations, p12)
            try count(macIterations.map(integer) ?? 1, "integrity check (MAC)")
        }
        guard let safes = PKCS12_unpack_authsafes(p12) else {
            _ = OpenSSL.drainErrors()
            return // not readable: PKCS12_parse says so
        }
        defer { shim_sk_PKCS7_pop_free(safes) }
        // First everything readable without work, then the encrypted parts' contents.
        var encrypted: [UnsafeMutablePointer<PKCS7>] = []
        for index in 0..<shim_sk_PKCS7_num(safes) {
            guard let safe = shim_sk_PKCS7_value(safes, index) else { continue }
            switch OBJ_obj2nid(safe.pointee.type) {
            case NID_pkcs7_data:
                let contents = PKCS12_unpack_p7data(safe)
                defer { if let contents { shim_sk_PKCS12_SAFEBAG_pop_free(contents) } }
                try bags(contents)
            case NID_pkcs7_encrypted:
                try count(try iterations(safe.pointee.d.encrypted?.pointee.enc_data?.pointee.algorithm.map { UnsafePointer($0) }, source: source),
                          "certificate encryption")
                encrypted.append(safe)
            default:
                break
            }
        }
        for safe in encrypted {
            // PKCS12_parse tries an empty password also as "no password"; so does this.
            let contents = PKCS12_unpack_p7encdata(safe, password, Int32(password.utf8.count))
                ?? (password.isEmpty ? PKCS12_unpack_p7encdata(safe, nil, 0) : nil)
            defer { if let contents { shim_sk_PKCS12_SAFEBAG_pop_free(contents) } }
            try bags(contents)
        }
        _ = OpenSSL.drainErrors()
    }

    /// The iteration count of a password-based encryption: PBES2 with PBKDF2, or the PKCS#12
    /// and PKCS#5 v1 schemes (PBEParameter). Other key derivations are refused; `0` for what is
    /// not password-based (OpenSSL refuses it later).
    private static func iterations(_ algorithm: UnsafePointer<X509_ALGOR>?, source: String?) throws -> Int64 {
        guard let algorithm else { return 0 }
        var object: OpaquePointer?
        var type: Int32 = 0
        var value: UnsafeRawPointer?
        X509_ALGOR_get0(&object, &type, &value, algorithm)
        guard type == V_ASN1_SEQUENCE, let value else { return 0 }
        let parameters = value.assumingMemoryBound(to: ASN1_STRING.self)
        var cursor = ASN1_STRING_get0_data(parameters)
        let length = Int(ASN1_STRING_length(parameters))
        if OBJ_obj2nid(object) == NID_pbes2 {
            guard let pbes2 = d2i_PBE2PARAM(nil, &cursor, length) else { return 0 }
            defer { PBE2PARAM_free(pbes2) }
            var kdf: OpaquePointer?
            var kdfType: Int32 = 0
            var kdfValue: UnsafeRawPointer?
            X509_ALGOR_get0(&kdf, &kdfType, &kdfValue, pbes2.pointee.keyfunc)
            guard OBJ_obj2nid(kdf) == NID_id_pbkdf2 else {
                throw CertificateError(.unsupportedEncryption, "the file derives its keys with \(objectName(kdf)), not PBKDF2; export it again with AES-256 and PBKDF2 (e.g. 'openssl pkcs12 -export')", source: source)
            }
            guard kdfType == V_ASN1_SEQUENCE, let kdfValue else { return 0 }
            let kdfParameters = kdfValue.assumingMemoryBound(to: ASN1_STRING.self)
            var kdfCursor = ASN1_STRING_get0_data(kdfParameters)
            guard let pbkdf2 = d2i_PBKDF2PARAM(nil, &kdfCursor, Int(ASN1_STRING_length(kdfParameters))) else { return 0 }
            defer { PBKDF2PARAM_free(pbkdf2) }
            return pbkdf2.pointee.iter.map { integer(UnsafePointer($0)) } ?? 1
        }
        guard let pbe = d2i_PBEPARAM(nil, &cursor, length) else { return 0 }
        defer { PBEPARAM_free(pbe) }
        return pbe.pointee.iter.map { integer(UnsafePointer($0)) } ?? 1
    }

    /// An ASN.1 INTEGER; one too large for 64 bits counts as the largest.
    private static func integer(_ value: UnsafePointer<ASN1_INTEGER>) -> Int64 {
        var result: Int64 = 0
        return ASN1_INTEGER_get_int64(&result, value) == 1 ? result : .max
    }

    private static func objectName(_ object: OpaquePointer?) -> String {
        var buffer = [CChar](repeating: 0, count: 80)
        let length = OBJ_obj2txt(&buffer, Int32(buffer.count), object, 0)
        return length > 0 ? String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self) : "an unknown algorithm"
    }
}
