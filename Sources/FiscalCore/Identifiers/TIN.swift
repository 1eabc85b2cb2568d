/// A Montenegrin taxpayer identification number: the 8-digit PIB of a company or the 13-digit
/// JMB of a natural person.
public struct TIN: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The digits.
    public let value: String

    /// Accepts exactly 8 or 13 ASCII digits.
    public init?(_ text: String) {
        guard Self.isValid(text) else { return nil }
        value = text
    }

    /// `true` for exactly 8 or 13 ASCII digits (the schema's `TINSType`).
    public static func isValid(_ text: String) -> Bool {
        (text.utf8.count == 8 || text.utf8.count == 13) && text.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    public var description: String { value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let tin = TIN(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a TIN: use the 8-digit PIB or the 13-digit JMB")
        }
        self = tin
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
