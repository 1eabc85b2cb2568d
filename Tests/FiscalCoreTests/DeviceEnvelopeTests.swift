import FiscalCore
import Foundation
import Testing

@Suite struct DeviceEnvelopeTests {
    let context = "certificate:device-7"

    @Test(arguments: [0, 1, 2_000, 100 * 1024])
    func roundTrips(size: Int) throws {
        let key = DeviceEnvelope.PrivateKey.generate()
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let sealed = DeviceEnvelope.seal(payload, to: key.publicKey, context: context)
        #expect(sealed.count == 4 + 32 + 12 + size + 16)
        #expect(Array(sealed.prefix(4)) == Array("FDE1".utf8))
        #expect(try DeviceEnvelope.open(sealed, with: key, context: context) == payload)
    }

    @Test func eachSealIsFresh() throws {
        let key = DeviceEnvelope.PrivateKey.generate()
        let payload = Array("password".utf8)
        let first = DeviceEnvelope.seal(payload, to: key.publicKey, context: context)
        let second = DeviceEnvelope.seal(payload, to: key.publicKey, context: context)
        #expect(first != second)
        #expect(Array(first[4..<36]) != Array(second[4..<36]))
        #expect(try DeviceEnvelope.open(second, with: key, context: context) == payload)
    }

    @Test func anotherRecipientCannotOpen() {
        let recipient = DeviceEnvelope.PrivateKey.generate()
        let other = DeviceEnvelope.PrivateKey.generate()
        let sealed = DeviceEnvelope.seal(Array("secret".utf8), to: recipient.publicKey, context: context)
        #expect(throws: EnvelopeError(.corrupt, "")) { try DeviceEnvelope.open(sealed, with: other, context: context) }
    }

    @Test func anotherContextCannotOpen() {
        let key = DeviceEnvelope.PrivateKey.generate()
        let sealed = DeviceEnvelope.seal(Array("secret".utf8), to: key.publicKey, context: context)
        for wrong in ["certificate:device-8", "", "certificate:device-7 "] {
            #expect(throws: EnvelopeError(.corrupt, "")) { try DeviceEnvelope.open(sealed, with: key, context: wrong) }
        }
    }

    @Test func anyAlteredByteIsRefused() throws {
        let key = DeviceEnvelope.PrivateKey.generate()
        let sealed = DeviceEnvelope.seal(Array("a PKCS#12 file".utf8), to: key.publicKey, context: context)
        // magic, ephemeral key (first and last byte), nonce, ciphertext, tag (first and last byte).
        for position in [0, 3, 4, 35, 36, 47, 48, sealed.count - 17, sealed.count - 16, sealed.count - 1] {
            for flip: UInt8 in [0x01, 0x80] {
                var altered = sealed
                altered[position] ^= flip
                let error = #expect(throws: EnvelopeError.self) { try DeviceEnvelope.open(altered, with: key, context: context) }
                #expect(error?.code == .corrupt, "position \(position)")
            }
        }
    }

    @Test func truncatedInputIsRefused() {
        let key = DeviceEnvelope.PrivateKey.generate()
        let sealed = DeviceEnvelope.seal(Array("payload".utf8), to: key.publicKey, context: context)
        for length in [0, 3, 4, 36, 48, 63, 64, sealed.count - 1] {
            let error = #expect(throws: EnvelopeError.self) {
                try DeviceEnvelope.open(Array(sealed.prefix(length)), with: key, context: context)
            }
            #expect(error?.code == .corrupt, "length \(length)")
        }
        #expect(throws: EnvelopeError(.corrupt, "")) { try DeviceEnvelope.open(sealed + [0], with: key, context: context) }
    }

    @Test(arguments: [
        "",
        "not base64!",
        "AAAA",  // 3 bytes
        Data(repeating: 1, count: 31).base64EncodedString(),
        Data(repeating: 1, count: 33).base64EncodedString(),
        Data(repeating: 1, count: 32).base64EncodedString().replacingOccurrences(of: "=", with: ""),  // unpadded
    ])
    func badBase64KeysAreRefused(text: String) {
        let privateError = #expect(throws: EnvelopeError.self) { try DeviceEnvelope.PrivateKey(rawBase64: text) }
        #expect(privateError?.code == .badKey)
        let publicError = #expect(throws: EnvelopeError.self) { try DeviceEnvelope.PublicKey(base64: text) }
        #expect(publicError?.code == .badKey)
    }

    @Test func badKeyMessagesDoNotQuoteTheKey() {
        let text = Data(repeating: 0x5A, count: 31).base64EncodedString()
        let error = #expect(throws: EnvelopeError.self) { try DeviceEnvelope.PrivateKey(rawBase64: text) }
        #expect(error?.message.contains(text) == false)
        #expect(error?.message.contains("31 bytes") == true)
    }

    @Test(arguments: [
        "0000000000000000000000000000000000000000000000000000000000000000",  // u = 0
        "0100000000000000000000000000000000000000000000000000000000000000",  // u = 1
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",  // order 8
    ])
    func lowOrderPublicKeysAreRefused(hex: String) {
        let error = #expect(throws: EnvelopeError.self) { try DeviceEnvelope.PublicKey(base64: Self.base64(hex: hex)) }
        #expect(error?.code == .badKey)
    }

    @Test func privateKeyRoundTripsThroughRawBase64() throws {
        let key = DeviceEnvelope.PrivateKey.generate()
        let sealed = DeviceEnvelope.seal(Array("certificate".utf8), to: key.publicKey, context: context)
        let stored = key.rawBase64
        #expect(Data(base64Encoded: stored)?.count == 32)
        let restored = try DeviceEnvelope.PrivateKey(rawBase64: stored + "\n")
        #expect(restored.rawBase64 == stored)
        #expect(restored.publicKey == key.publicKey)
        #expect(try DeviceEnvelope.open(sealed, with: restored, context: context) == Array("certificate".utf8))
    }

    @Test func publicKeyRoundTripsThroughBase64() throws {
        let key = DeviceEnvelope.PrivateKey.generate().publicKey
        let parsed = try DeviceEnvelope.PublicKey(base64: " \(key.base64)\n")
        #expect(parsed == key)
        #expect(Data(base64Encoded: key.base64)?.count == 32)
        #expect(DeviceEnvelope.PrivateKey.generate().publicKey != key)
    }

    @Test func printingAPrivateKeyDoesNotRevealIt() {
        let key = DeviceEnvelope.PrivateKey.generate()
        var dumped = ""
        dump(key, to: &dumped)
        for text in ["\(key)", String(reflecting: key), dumped] {
            #expect(!text.contains(key.rawBase64))
            #expect(text.contains(key.publicKey.base64))
        }
    }

    /// RFC 7748 section 6.1.
    @Test(arguments: [
        ("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"),
        ("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"),
    ])
    func publicKeyMatchesRFC7748(privateHex: String, publicHex: String) throws {
        let key = try DeviceEnvelope.PrivateKey(rawBase64: Self.base64(hex: privateHex))
        #expect(key.publicKey.base64 == Self.base64(hex: publicHex))
        #expect(key.publicKey == (try DeviceEnvelope.PublicKey(base64: Self.base64(hex: publicHex))))
        #expect(key.rawBase64 == Self.base64(hex: privateHex))
        let sealed = DeviceEnvelope.seal(Array("known key".utf8), to: key.publicKey, context: context)
        #expect(try DeviceEnvelope.open(sealed, with: key, context: context) == Array("known key".utf8))
    }

    /// A value sealed by an independent implementation of the format (Python `cryptography`):
    /// ephemeral key = RFC 7748 Bob, recipient = RFC 7748 Alice, nonce 00 01 … 0b. Pins the
    /// layout and the HKDF salt and info.
    @Test func opensAKnownAnswer() throws {
        let alice = try DeviceEnvelope.PrivateKey(rawBase64: Self.base64(hex: "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
        let sealed = Self.bytes(hex: """
            46444531de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f000102030405060708090a0b\
            416110254b7dd64733024d889c0493757a5c24b1a2cf8f9dea90da6dcbdf3707b8d294501019bbf11eb600b81ee4cc7af93760009cba08
            """)
        #expect(try DeviceEnvelope.open(sealed, with: alice, context: context) == Array("sealed by an independent implementation".utf8))
    }

    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<($0 + 2)], as: UTF8.self), radix: 16)! }
    }

    static func base64(hex: String) -> String { Data(bytes(hex: hex)).base64EncodedString() }
}
