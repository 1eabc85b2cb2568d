import FiscalConnector
import FiscalTesting
import Foundation
import Testing

@Suite struct QRCodeTests {
    static let url = "https://efitest.tax.gov.me/ic/#/verify?iic=D6BE93B4322EA15ABA186ACF81E7F165&tin=12345678&crtd=2026-11-21T02:46:30%2B01:00&ord=1&bu=xx123xx123&cr=si747we972&sw=ss123ss123&prc=5.80"

    @Test func pngDecodesBackToTheExactURL() async throws {
        let code = try QRCode(Self.url)
        let png = code.png()
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        // At 203 dpi the printed side is at least 21 mm.
        let side = (code.size + 2 * QRCode.quietZone) * code.scale()
        #expect(Double(side) / 203 * 25.4 >= 21)
        let file = NSTemporaryDirectory() + "qr-\(UUID().uuidString).png"
        try png.write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try await ExternalTools.run("zbarimg", ["--quiet", "--raw", file])
        if run.status == 127 && !ExternalTools.required { return }
        #expect(run.status == 0, "\(run.output)")
        #expect(run.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == Self.url)
    }

    @Test func svgDrawsTheSameModules() throws {
        let code = try QRCode(Self.url)
        let svg = code.svg()
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\""))
        #expect(svg.contains("mm\""))
        // Read the path back into a module grid and compare.
        let path = try #require(svg.split(separator: "d=\"").last?.split(separator: "\"").first)
        var dark = Set<Int>()
        for segment in path.split(separator: "z") where segment.hasPrefix("M") {
            let numbers = segment.dropFirst().split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            let (x, y, run) = (numbers[0] - QRCode.quietZone, numbers[1] - QRCode.quietZone, numbers[2])
            for offset in 0..<run { dark.insert(y * code.size + x + offset) }
        }
        let expected = Set(code.modules.indices.filter { code.modules[$0] })
        #expect(dark == expected)
    }

    @Test func errorCorrectionIsMedium() throws {
        // Level M holds this URL in a version-10 symbol (57 modules); level L would need fewer.
        let code = try QRCode(Self.url)
        #expect(code.size >= 53)
    }
}
