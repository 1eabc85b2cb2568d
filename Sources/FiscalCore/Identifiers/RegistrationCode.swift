/// A code issued by the tax authority's registers: business unit, TCR (ENU), software,
/// maintainer and operator codes all share the shape `ab123cd456` (two lowercase letters, three
/// digits, two lowercase letters, three digits).
public struct RegistrationCode: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The code.
    public let value: String

    /// Accepts only the exact shape `[a-z]{2}[0-9]{3}[a-z]{2}[0-9]{3}`.
    public init?(_ text: String) {
        guard Self.isValid(text) else { return nil }
        value = text
    }

    /// `true` when `text` has the shape `[a-z]{2}[0-9]{3}[a-z]{2}[0-9]{3}`.
    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10 else { return false }
        for (index, byte) in bytes.enumerated() {
            let letter = byte >= 97 && byte <= 122
            let digit = byte >= 48 && byte <= 57
            switch index {
            case 0, 1, 5, 6: if !letter { return false }
            default: if !digit { return false }
            }
        }
        return true
    }

    public var description: String { value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let code = RegistrationCode(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a registration code: expected two lowercase letters, three digits, two lowercase letters, three digits, e.g. ab123cd456")
        }
        self = code
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
