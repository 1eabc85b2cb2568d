import COpenSSL

/// Process-wide OpenSSL set-up and error reading.
enum OpenSSL {
    /// Loads the `legacy` provider (RC2-40 and other old PKCS#12 ciphers) and the `default`
    /// provider (loading any provider explicitly switches the implicit default off). Once per process.
    /// `default` first: another thread's crypto (an Ed25519 key made meanwhile) never meets a
    /// moment without it.
    static let providersLoaded: Bool = {
        let standard = OSSL_PROVIDER_load(nil, "default")
        let legacy = OSSL_PROVIDER_load(nil, "legacy")
        return legacy != nil && standard != nil
    }()

    /// Drains OpenSSL's thread-local error queue into (library, reason) pairs and text.
    static func drainErrors() -> [(reason: Int32, text: String)] {
        var result: [(Int32, String)] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            result.append((Int32(code & 0x7FFFFF), text))
        }
        return result
    }
}
