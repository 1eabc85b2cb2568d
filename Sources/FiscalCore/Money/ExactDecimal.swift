/// An exact base-10 number: `significand × 10^-scale`, for money, rates and quantities.
///
/// Fiscal amounts must never pass through binary floating point. `ExactDecimal` keeps every digit
/// it is given, adds and multiplies exactly, and rounds only when asked to, with one rule
/// (half away from zero, so a corrective invoice mirrors the original to the cent).
public struct ExactDecimal: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The digits of the value, as an integer.
    public let significand: Int128
    /// How many of the significand's digits are decimals.
    public let scale: Int

    /// The largest number of decimals a value may carry.
    public static let maximumScale = 18
    /// Zero.
    public static let zero = ExactDecimal(significand: 0, scale: 0)

    /// Creates `significand × 10^-scale`.
    public init(significand: Int128, scale: Int) {
        precondition(scale >= 0 && scale <= 36, "ExactDecimal scale out of range: \(scale)")
        self.significand = significand
        self.scale = scale
    }

    /// Creates a whole number.
    public init(_ value: Int) {
        self.init(significand: Int128(value), scale: 0)
    }

    /// Parses plain decimal notation (`-12.345`, `0`, `7`): an optional sign, digits, an optional
    /// dot followed by digits. No exponent, no grouping, no comma; `nil` for anything else.
    public init?(_ text: some StringProtocol) {
        var digits = Substring(text)
        var negative = false
        if let first = digits.first, first == "-" || first == "+" {
            negative = first == "-"
            digits = digits.dropFirst()
        }
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit) else { return nil }
        var fraction: Substring = ""
        if parts.count == 2 {
            fraction = parts[1]
            guard !fraction.isEmpty, fraction.allSatisfy(\.isASCIIDigit) else { return nil }
        }
        guard fraction.count <= Self.maximumScale else { return nil }
        let all = (whole + fraction).drop { $0 == "0" }
        guard all.count <= 30 else { return nil }
        var value: Int128 = 0
        for character in all {
            value = value * 10 + Int128(character.asciiValue! - 48)
        }
        self.init(significand: negative ? -value : value, scale: fraction.count)
    }

    /// `true` when the value is below zero.
    public var isNegative: Bool { significand < 0 }
    /// `true` when the value is zero.
    public var isZero: Bool { significand == 0 }
    /// The absolute value.
    public var magnitude: ExactDecimal { ExactDecimal(significand: significand < 0 ? -significand : significand, scale: scale) }

    /// The number of decimals actually needed (trailing zeros removed).
    public var significantScale: Int { normalized.scale }

    /// The same value with trailing fractional zeros removed.
    public var normalized: ExactDecimal {
        var s = significand
        var k = scale
        while k > 0 && s % 10 == 0 {
            s /= 10
            k -= 1
        }
        return ExactDecimal(significand: s, scale: k)
    }

    /// The same value written with `newScale` decimals; only for `newScale >= scale`.
    func widened(to newScale: Int) -> ExactDecimal {
        precondition(newScale >= scale)
        return ExactDecimal(significand: significand * Self.power(newScale - scale), scale: newScale)
    }

    static func power(_ exponent: Int) -> Int128 {
        var result: Int128 = 1
        for _ in 0..<exponent { result *= 10 }
        return result
    }

    /// Rounds to `decimals` places, half away from zero (1.005 → 1.01, -1.005 → -1.01).
    public func rounded(_ decimals: Int) -> ExactDecimal {
        if decimals >= scale { return widened(to: decimals) }
        // 128-bit division is done in software; most amounts fit 64 bits.
        if let small = Int64(exactly: significand), scale - decimals <= 18 {
            let divisor = Self.power64[scale - decimals]
            var quotient = small / divisor
            let remainder = small % divisor
            if remainder.magnitude * 2 >= divisor.magnitude {
                quotient += small < 0 ? -1 : 1
            }
            return ExactDecimal(significand: Int128(quotient), scale: decimals)
        }
        let divisor = Self.power(scale - decimals)
        var quotient = significand / divisor
        let remainder = significand % divisor
        if remainder.magnitude * 2 >= divisor.magnitude {
            quotient += significand < 0 ? -1 : 1
        }
        return ExactDecimal(significand: quotient, scale: decimals)
    }

    static let power64: [Int64] = (0...18).map { exponent in (0..<exponent).reduce(Int64(1)) { value, _ in value * 10 } }

    /// Divides, rounding the quotient to `decimals` places half away from zero.
    public func divided(by divisor: ExactDecimal, decimals: Int) -> ExactDecimal {
        precondition(!divisor.isZero, "division by zero")
        // self / divisor = (S·10^-s) / (D·10^-d) = S·10^(d + decimals) / (D·10^s) · 10^-decimals
        let numerator = significand * Self.power(divisor.scale + decimals)
        let denominator = divisor.significand * Self.power(scale)
        // 128-bit division is done in software; most operands fit 64 bits.
        if let n = Int64(exactly: numerator), let d = Int64(exactly: denominator) {
            var quotient = n / d
            let remainder = n % d
            if remainder.magnitude * 2 >= d.magnitude {
                quotient += (n < 0) != (d < 0) ? -1 : 1
            }
            return ExactDecimal(significand: Int128(quotient), scale: decimals)
        }
        var quotient = numerator / denominator
        let remainder = numerator % denominator
        if remainder.magnitude * 2 >= denominator.magnitude {
            quotient += (numerator < 0) != (denominator < 0) ? -1 : 1
        }
        return ExactDecimal(significand: quotient, scale: decimals)
    }

    /// Fixed-point text with exactly `decimals` places after rounding (never `-0.00`).
    public func formatted(_ decimals: Int) -> String {
        var bytes: [UInt8] = []
        appendFormatted(decimals, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the UTF-8 of ``formatted(_:)`` to `bytes` (for writers that build byte buffers).
    public func appendFormatted(_ decimals: Int, to bytes: inout [UInt8]) {
        let value = rounded(decimals)
        var magnitude = value.significand.magnitude
        var digits: [UInt8] = []
        digits.reserveCapacity(24)
        if let small = UInt64(exactly: magnitude) {
            var rest = small
            repeat {
                digits.append(UInt8(48 + rest % 10))
                rest /= 10
            } while rest > 0
        } else {
            repeat {
                digits.append(UInt8(48 + magnitude % 10))
                magnitude /= 10
            } while magnitude > 0
        }
        while digits.count <= decimals { digits.append(48) }
        if value.significand < 0 { bytes.append(45) }
        for index in stride(from: digits.count - 1, through: 0, by: -1) {
            if index == decimals - 1 { bytes.append(46) }
            bytes.append(digits[index])
        }
    }

    /// The value in plain notation with the decimals it carries.
    public var description: String { formatted(scale) }

    public static func + (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal {
        let s = max(lhs.scale, rhs.scale)
        return ExactDecimal(significand: lhs.widened(to: s).significand + rhs.widened(to: s).significand, scale: s)
    }

    public static func - (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal {
        lhs + (-rhs)
    }

    public static prefix func - (value: ExactDecimal) -> ExactDecimal {
        ExactDecimal(significand: -value.significand, scale: value.scale)
    }

    public static func * (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal {
        var (digits, overflow) = lhs.significand.multipliedReportingOverflow(by: rhs.significand)
        var scale = lhs.scale + rhs.scale
        if overflow {
            // Trailing zeros (e.g. "2.000000000000000000") carry no value: drop them and retry.
            let l = lhs.normalized, r = rhs.normalized
            (digits, overflow) = l.significand.multipliedReportingOverflow(by: r.significand)
            scale = l.scale + r.scale
            precondition(!overflow, "ExactDecimal overflow: \(lhs) × \(rhs) exceeds 38 digits")
        }
        let product = ExactDecimal(significand: digits, scale: scale)
        return product.scale > maximumScale ? product.normalized : product
    }

    public static func += (lhs: inout ExactDecimal, rhs: ExactDecimal) { lhs = lhs + rhs }

    public static func == (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool {
        let s = max(lhs.scale, rhs.scale)
        return lhs.widened(to: s).significand == rhs.widened(to: s).significand
    }

    public static func < (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool {
        let s = max(lhs.scale, rhs.scale)
        return lhs.widened(to: s).significand < rhs.widened(to: s).significand
    }

    public func hash(into hasher: inout Hasher) {
        let n = normalized
        hasher.combine(n.significand)
        hasher.combine(n.scale)
    }
}

extension ExactDecimal: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self.init(value) }
}

extension ExactDecimal: Codable {
    /// Decodes from a JSON string (`"1.50"`); numbers must arrive as text to stay exact.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = ExactDecimal(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a plain decimal number such as 12.50")
        }
        self = value
    }

    /// Encodes as a JSON string with the decimals the value carries.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Sequence where Element == ExactDecimal {
    /// The exact sum.
    public func sum() -> ExactDecimal { reduce(.zero, +) }
}

extension Character {
    var isASCIIDigit: Bool { asciiValue.map { $0 >= 48 && $0 <= 57 } ?? false }
}
