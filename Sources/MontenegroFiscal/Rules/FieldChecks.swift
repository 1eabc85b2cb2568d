import FiscalCore

/// Collects issues while checking fields against the schema's simple types.
struct FieldChecks {
    private(set) var issues: [ValidationIssue] = []

    mutating func add(_ code: ValidationIssue.Code, _ field: @autoclosure () -> String, _ message: @autoclosure () -> String) {
        issues.append(ValidationIssue(code, field: field(), message()))
    }

    /// A text of at most `maximum` characters, not blank, with no characters XML cannot carry.
    mutating func text(_ value: String?, _ field: @autoclosure () -> String, maximum: Int, required: Bool = false) {
        guard let value else {
            if required { add(.required, field(), "is required") }
            return
        }
        if value.unicodeScalars.allSatisfy({ $0 == " " || $0 == "\t" }) {
            add(required ? .required : .invalidFormat, field(), required ? "is required and must not be blank" : "must not be blank: leave it out instead of sending an empty value")
            return
        }
        // The schema counts characters as code points (CRLF is two, a decomposed Č is two).
        let count = value.unicodeScalars.count
        if count > maximum {
            add(.tooLong, field(), "has \(count) characters, at most \(maximum) are allowed: shorten it")
        }
        if let bad = value.unicodeScalars.first(where: { !Self.isXMLCharacter($0) }) {
            add(.invalidCharacters, field(), "contains the control character U+\(String(bad.value, radix: 16, uppercase: true)), which XML cannot carry: remove it")
        }
    }

    static func isXMLCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD: true
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }

    mutating func registrationCode(_ value: String, _ field: @autoclosure () -> String) {
        if value.isEmpty {
            add(.required, field(), "is required: the code from the tax authority's register, e.g. ab123cd456")
        } else if !RegistrationCode.isValid(value) {
            add(.invalidFormat, field(), "'\(value)' is not a registration code: expected two lowercase letters, three digits, two lowercase letters, three digits, e.g. ab123cd456")
        }
    }

    mutating func tin(_ value: String, _ field: @autoclosure () -> String) {
        if !TIN.isValid(value) {
            add(.invalidFormat, field(), "'\(value)' is not a TIN: use the 8-digit PIB of a company or the 13-digit JMB of a person, digits only")
        }
    }

    mutating func iic(_ value: String, _ field: @autoclosure () -> String) {
        if value.utf8.count != 32 || Hex.bytes(value) == nil {
            add(.invalidFormat, field(), "'\(value)' is not an IIC: expected 32 hexadecimal characters as printed on the referenced invoice")
        }
    }

    /// An amount with at most `decimals` places, optionally non-negative, within ±10^12.
    mutating func amount(_ value: ExactDecimal?, _ field: @autoclosure () -> String, decimals: Int, nonNegative: Bool = false, positive: Bool = false) {
        guard let value else { return }
        if value.significantScale > decimals {
            add(.tooManyDecimals, field(), "\(value) has \(value.significantScale) decimals, at most \(decimals) are allowed: round it")
        }
        if positive && (value.isNegative || value.isZero) {
            add(.outOfRange, field(), "\(value) must be greater than zero")
        } else if nonNegative && value.isNegative {
            add(.outOfRange, field(), "\(value) must not be negative")
        }
        if value.magnitude >= ExactDecimal(significand: 1_000_000_000_000, scale: 0) {
            add(.outOfRange, field(), "\(value) is too large: amounts must stay below 1000000000000")
        }
    }

    mutating func count(_ count: Int, _ field: @autoclosure () -> String, maximum: Int, what: String, hint: String) {
        if count > maximum {
            add(.tooMany, field(), "has \(count) \(what), at most \(maximum) are allowed: \(hint)")
        }
    }

    mutating func country(_ value: String?, _ field: @autoclosure () -> String) {
        guard let value else { return }
        if !CodeLists.countries.contains(value) {
            add(.unknownCode, field(), "'\(value)' is not an ISO 3166-1 alpha-3 country code the tax authority accepts, e.g. MNE, SRB, DEU")
        }
    }
}

extension ExactDecimal {
    /// A percentage between 0 and 100 inclusive.
    var isPercentage: Bool { !isNegative && self <= ExactDecimal(100) }
}
