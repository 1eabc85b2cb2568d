/// Builds PKCS#12 files that ask for any number of key-derivation and MAC iterations without
/// doing that work (the MAC and the encrypted parts are random bytes): what an attacker uploads
/// to make the server spend minutes on one file. Written as DER by hand because every tool that
/// makes real files also performs the iterations it writes.
public enum HostilePKCS12 {
    /// A PFX whose MAC uses `macIterations`, with one certificate part encrypted with the PKCS#12
    /// 3DES scheme at `certificateIterations` and one PBES2/PBKDF2 shrouded key per entry of
    /// `keyIterations`.
    public static func make(macIterations: Int64, certificateIterations: Int64, keyIterations: [Int64]) -> [UInt8] {
        let keyBags = keyIterations.map { iterations in
            sequence(oid("1.2.840.113549.1.12.10.1.2"), explicit(0, sequence(
                sequence(oid("1.2.840.113549.1.5.13"), sequence(
                    sequence(oid("1.2.840.113549.1.5.12"), sequence(octets(random(8)), integer(iterations), sequence(oid("1.2.840.113549.2.9"), [0x05, 0x00]))),
                    sequence(oid("2.16.840.1.101.3.4.1.42"), octets(random(16))))),
                octets(random(48)))))
        }
        let keys = sequence(oid("1.2.840.113549.1.7.1"), explicit(0, octets(sequence(keyBags))))
        let certificates = sequence(oid("1.2.840.113549.1.7.6"), explicit(0, sequence(
            integer(0),
            sequence(oid("1.2.840.113549.1.7.1"),
                     sequence(oid("1.2.840.113549.1.12.1.3"), sequence(octets(random(8)), integer(certificateIterations))),
                     tlv(0x80, random(64))))))
        let authenticatedSafe = sequence(certificates, keys)
        let mac = sequence(sequence(sequence(oid("2.16.840.1.101.3.4.2.1"), [0x05, 0x00]), octets(random(32))), octets(random(8)), integer(macIterations))
        return sequence(integer(3), sequence(oid("1.2.840.113549.1.7.1"), explicit(0, octets(authenticatedSafe))), mac)
    }

    private static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var length: [UInt8] = []
        if content.count < 0x80 {
            length = [UInt8(content.count)]
        } else {
            var remaining = content.count
            while remaining > 0 {
                length.insert(UInt8(remaining & 0xFF), at: 0)
                remaining >>= 8
            }
            length.insert(0x80 | UInt8(length.count), at: 0)
        }
        return [tag] + length + content
    }

    private static func sequence(_ parts: [UInt8]...) -> [UInt8] { tlv(0x30, parts.flatMap { $0 }) }
    private static func sequence(_ parts: [[UInt8]]) -> [UInt8] { tlv(0x30, parts.flatMap { $0 }) }
    private static func explicit(_ number: UInt8, _ content: [UInt8]) -> [UInt8] { tlv(0xA0 | number, content) }
    private static func octets(_ bytes: [UInt8]) -> [UInt8] { tlv(0x04, bytes) }

    private static func integer(_ value: Int64) -> [UInt8] {
        var bytes = withUnsafeBytes(of: value.bigEndian, Array.init)
        // Minimal two's complement: drop leading bytes that only repeat the sign.
        while bytes.count > 1, (bytes[0] == 0 && bytes[1] < 0x80) || (bytes[0] == 0xFF && bytes[1] >= 0x80) { bytes.removeFirst() }
        return tlv(0x02, bytes)
    }

    private static func oid(_ dotted: String) -> [UInt8] {
        let arcs = dotted.split(separator: ".").map { UInt64($0)! }
        var bytes: [UInt8] = [UInt8(arcs[0] * 40 + arcs[1])]
        for arc in arcs.dropFirst(2) {
            var chunk: [UInt8] = [UInt8(arc & 0x7F)]
            var rest = arc >> 7
            while rest > 0 {
                chunk.insert(UInt8(rest & 0x7F) | 0x80, at: 0)
                rest >>= 7
            }
            bytes += chunk
        }
        return tlv(0x06, bytes)
    }

    private static func random(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}
