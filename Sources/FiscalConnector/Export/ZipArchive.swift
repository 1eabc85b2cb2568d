import FiscalCore
import Foundation

/// Writes ZIP archives of stored (uncompressed) files: what the tax authority's offline upload
/// accepts, readable by every unzip tool.
struct ZipArchive {
    private var data = [UInt8]()
    private var central = [UInt8]()
    private var count = 0

    /// Bytes written so far.
    var size: Int { data.count + central.count + 22 }

    mutating func add(name: String, contents: [UInt8], modified: Date) {
        let nameBytes = Array(name.utf8)
        let crc = PNG.crc32(contents)
        let (time, date) = Self.dosTimestamp(modified)
        let offset = UInt32(data.count)
        func header(_ signature: UInt32) -> [UInt8] {
            var bytes = le32(signature)
            if signature == 0x0201_4B50 { bytes += le16(20) } // version made by
            bytes += le16(20) + le16(0x0800) + le16(0) + le16(time) + le16(date)      // needed, UTF-8 names, stored
            bytes += le32(crc) + le32(UInt32(contents.count)) + le32(UInt32(contents.count)) + le16(UInt16(nameBytes.count)) + le16(0)
            return bytes
        }
        data += header(0x0403_4B50) + nameBytes + contents
        central += header(0x0201_4B50) + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + nameBytes
        count += 1
    }

    /// The finished archive.
    func finish() -> Data {
        var end = le32(0x0605_4B50) + le16(0) + le16(0) + le16(UInt16(count)) + le16(UInt16(count))
        end += le32(UInt32(central.count)) + le32(UInt32(data.count)) + le16(0)
        return Data(data + central + end)
    }

    private func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    private func le32(_ value: UInt32) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)] }

    static func dosTimestamp(_ date: Date) -> (time: UInt16, date: UInt16) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = FiscalTimestamp.montenegro
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let time = UInt16((c.hour ?? 0) << 11 | (c.minute ?? 0) << 5 | (c.second ?? 0) / 2)
        let day = UInt16(max(0, (c.year ?? 1980) - 1980) << 9 | (c.month ?? 1) << 5 | (c.day ?? 1))
        return (time, day)
    }
}
