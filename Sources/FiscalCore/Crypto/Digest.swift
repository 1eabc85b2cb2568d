import COpenSSL

/// Message digests used by the protocol.
public enum Digest {
    /// SHA-256 of `data` (XML-DSig digests).
    public static func sha256(_ data: some Collection<UInt8>) -> [UInt8] { digest(data, sha256Algorithm) }

    /// MD5 of `data` (the IIC is MD5 over the IIC signature bytes; not used for security).
    public static func md5(_ data: some Collection<UInt8>) -> [UInt8] { digest(data, md5Algorithm) }

    // Fetched once: an implicit fetch per call looks the algorithm up in the provider store each time.
    nonisolated(unsafe) static let sha256Algorithm: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil)
    nonisolated(unsafe) static let md5Algorithm: OpaquePointer? = EVP_MD_fetch(nil, "MD5", nil)

    private static func digest(_ data: some Collection<UInt8>, _ md: OpaquePointer?) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = data.withContiguousStorageIfAvailable { raw in
            EVP_Digest(raw.baseAddress, raw.count, &out, &length, md, nil)
        } ?? Array(data).withUnsafeBytes { raw in
            EVP_Digest(raw.baseAddress, raw.count, &out, &length, md, nil)
        }
        precondition(ok == 1, "EVP_Digest failed")
        return Array(out.prefix(Int(length)))
    }
}

/// Hexadecimal text.
public enum Hex {
    /// Uppercase hex of `bytes` (the IIC and IICSignature form).
    public static func upper(_ bytes: some Sequence<UInt8>) -> String { encode(bytes, digits: "0123456789ABCDEF") }

    /// Lowercase hex of `bytes` (key ids).
    public static func lower(_ bytes: some Sequence<UInt8>) -> String { encode(bytes, digits: "0123456789abcdef") }

    private static func encode(_ bytes: some Sequence<UInt8>, digits: StaticString) -> String {
        let digits = UnsafeBufferPointer(start: digits.utf8Start, count: digits.utf8CodeUnitCount)
        var out = [UInt8]()
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Bytes of a hex string (either case); `nil` when it is not hex of even length.
    public static func bytes(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 65...70: c - 55
            case 97...102: c - 87
            default: nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}
