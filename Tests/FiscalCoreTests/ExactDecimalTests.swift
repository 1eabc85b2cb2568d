import FiscalCore
import Testing

@Suite struct ExactDecimalTests {
    @Test(arguments: ["0", "7", "-12.345", "0.01", "123456789012.3456", "+5.5", "000.10"])
    func parsesPlainNotation(_ text: String) throws {
        let value = try #require(ExactDecimal(text))
        #expect(ExactDecimal(value.description) == value)
    }

    @Test(arguments: ["", "-", ".5", "5.", "1,50", "1e3", "1.2.3", " 1", "1 ", "abc", "0x10", "1.1234567890123456789"])
    func rejectsAnythingElse(_ text: String) {
        #expect(ExactDecimal(text) == nil)
    }

    @Test func keepsScaleAndComparesByValue() throws {
        let a = try #require(ExactDecimal("1.50"))
        let b = try #require(ExactDecimal("1.5"))
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a.scale == 2)
        #expect(a.description == "1.50")
        #expect(Set([a, b]).count == 1)
    }

    @Test func roundsHalfAwayFromZero() throws {
        #expect(ExactDecimal("1.005")!.rounded(2).description == "1.01")
        #expect(ExactDecimal("-1.005")!.rounded(2).description == "-1.01")
        #expect(ExactDecimal("1.0049")!.rounded(2).description == "1.00")
        #expect(ExactDecimal("2.5")!.rounded(0).description == "3")
        #expect(ExactDecimal("-2.5")!.rounded(0).description == "-3")
        #expect(ExactDecimal("7")!.rounded(2).description == "7.00")
    }

    @Test func formatsWithoutNegativeZero() {
        #expect(ExactDecimal("-0.001")!.formatted(2) == "0.00")
        #expect(ExactDecimal("-0.005")!.formatted(2) == "-0.01")
        #expect(ExactDecimal("0.5")!.formatted(4) == "0.5000")
        #expect(ExactDecimal(significand: 5, scale: 3).formatted(3) == "0.005")
    }

    @Test func arithmeticIsExact() {
        // 0.1 + 0.2 is exactly 0.3, unlike binary floating point.
        #expect(ExactDecimal("0.1")! + ExactDecimal("0.2")! == ExactDecimal("0.3")!)
        #expect((ExactDecimal("1.5")! * ExactDecimal("2.25")!).description == "3.375")
        #expect((ExactDecimal("10")! - ExactDecimal("0.01")!).description == "9.99")
        #expect([ExactDecimal("1.10")!, ExactDecimal("2.205")!].sum().description == "3.305")
    }

    @Test func dividesWithRounding() {
        #expect(ExactDecimal("1.50")!.divided(by: ExactDecimal("1.21")!, decimals: 4).description == "1.2397")
        #expect(ExactDecimal("10")!.divided(by: ExactDecimal("3")!, decimals: 2).description == "3.33")
        #expect(ExactDecimal("-10")!.divided(by: ExactDecimal("6")!, decimals: 2).description == "-1.67")
        #expect(ExactDecimal("2")!.divided(by: ExactDecimal("-3")!, decimals: 3).description == "-0.667")
    }

    @Test func multiplicationSurvivesTrailingZeros() throws {
        let a = try #require(ExactDecimal("2.000000000000000000"))
        let b = try #require(ExactDecimal("100.000000000000000000"))
        #expect((a * b).description == "200")
        #expect(a == ExactDecimal(2))
    }

    @Test func comparesAcrossScales() {
        #expect(ExactDecimal("1.001")! > ExactDecimal("1")!)
        #expect(ExactDecimal("-0.5")! < ExactDecimal.zero)
        #expect(ExactDecimal("100.00")!.normalized.scale == 0)
    }
}
