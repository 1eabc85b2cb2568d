public import FiscalCore
import CQREncode
public import Foundation

/// The receipt's QR code (libqrencode, error correction M), as SVG or PNG sized for thermal printers.
public struct QRCode: Sendable, Equatable {
    /// Modules per side.
    public let size: Int
    /// Dark modules, row by row.
    public let modules: [Bool]
    /// Quiet zone around the code, in modules.
    public static let quietZone = 4
    /// Smallest printed side: 21 mm (the specification's minimum), plus margin.
    public static let minimumMillimetres = 22.0

    /// Encodes `text` (byte mode, error correction M).
    public init(_ text: String) throws(QRCodeError) {
        guard let code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M) else {
            // libqrencode sets ERANGE when the text exceeds the largest symbol (2331 bytes at level M).
            let reason: QRCodeError.Code = errno == ERANGE ? .tooLong : text.isEmpty ? .empty : .unencodable
            throw QRCodeError(reason, message: "the text cannot be encoded as a QR code (\(text.utf8.count) bytes)", byteCount: text.utf8.count)
        }
        defer { QRcode_free(code) }
        size = Int(code.pointee.width)
        modules = (0..<(size * size)).map { code.pointee.data[$0] & 1 == 1 }
    }

    /// Whether the module at column `x`, row `y` is dark.
    public func isDark(_ x: Int, _ y: Int) -> Bool { modules[y * size + x] }

    /// Pixels per module so the code prints at least 22 mm wide at `dpi` (203 for most receipt printers).
    public func scale(dpi: Int = 203) -> Int {
        let pixels = Self.minimumMillimetres / 25.4 * Double(dpi)
        return max(2, Int((pixels / Double(size + 2 * Self.quietZone)).rounded(.up)))
    }

    /// An SVG: one path of dark squares, a white background with the quiet zone, and a physical
    /// size of at least 22 mm.
    public func svg() -> String {
        let side = size + 2 * Self.quietZone
        var path = ""
        path.reserveCapacity(size * size * 6)
        for y in 0..<size {
            var x = 0
            while x < size {
                guard isDark(x, y) else { x += 1; continue }
                var run = 1
                while x + run < size && isDark(x + run, y) { run += 1 }
                path += "M\(x + Self.quietZone) \(y + Self.quietZone)h\(run)v1h-\(run)z"
                x += run
            }
        }
        let millimetres = String(format: "%.1f", max(Self.minimumMillimetres, Double(side) * 0.375))
        return ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(millimetres)mm" height="\##(millimetres)mm" viewBox="0 0 \##(side) \##(side)" shape-rendering="crispEdges"><rect width="\##(side)" height="\##(side)" fill="#fff"/><path d="\##(path)" fill="#000"/></svg>"##
    }

    /// A 1-bit grayscale PNG with `scale` pixels per module (default: 22 mm at 203 dpi).
    public func png(scale: Int? = nil) -> Data {
        let scale = scale ?? self.scale()
        let side = (size + 2 * Self.quietZone) * scale
        let rowBytes = (side + 7) / 8
        var raw = [UInt8]()
        raw.reserveCapacity((rowBytes + 1) * side)
        for py in 0..<side {
            raw.append(0) // filter: none
            var row = [UInt8](repeating: 0xFF, count: rowBytes)
            let my = py / scale - Self.quietZone
            if my >= 0 && my < size {
                for px in 0..<side {
                    let mx = px / scale - Self.quietZone
                    if mx >= 0 && mx < size && isDark(mx, my) { row[px / 8] &= ~(0x80 >> UInt8(px % 8)) }
                }
            }
            raw.append(contentsOf: row)
        }
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = [UInt8]()
        header += PNG.bigEndian(UInt32(side)) + PNG.bigEndian(UInt32(side))
        header += [1, 0, 0, 0, 0] // bit depth 1, grayscale, deflate, no filter, no interlace
        png += PNG.chunk("IHDR", header)
        png += PNG.chunk("IDAT", PNG.zlibStored(raw))
        png += PNG.chunk("IEND", [])
        return Data(png)
    }
}

/// A text that cannot become a QR code.
public struct QRCodeError: CodedError {
    /// The closed set of reasons.
    public enum Code: String, Sendable {
        /// More bytes than the largest QR symbol holds at error correction M (2331).
        case tooLong
        /// Nothing to encode.
        case empty
        /// libqrencode refused it for another reason (e.g. out of memory).
        case unencodable
    }

    /// What went wrong.
    public let code: Code
    /// A sentence naming the text's size.
    public let message: String
    /// The UTF-8 length of the text that was refused.
    public let byteCount: Int

    /// Creates an error.
    public init(_ code: Code, message: String, byteCount: Int) {
        self.code = code
        self.message = message
        self.byteCount = byteCount
    }
}

/// The few PNG pieces a QR code needs: chunks with CRC-32 and a zlib stream of stored blocks.
enum PNG {
    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
    }

    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    /// zlib with uncompressed deflate blocks: a QR PNG is a few kilobytes either way.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65_535, data.count - offset)
            let final: UInt8 = offset + length >= data.count ? 1 : 0
            out.append(final)
            out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            out += data[offset..<(offset + length)]
            offset += length
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return out + bigEndian(b << 16 | a)
    }
}
