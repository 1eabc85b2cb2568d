import Foundation

/// Base64 without `=` padding: the URL-safe alphabet (RFC 4648 §5) of license tokens, or the
/// standard alphabet of PHC password-hash strings.
public enum UnpaddedBase64 {
    /// Which 62nd and 63rd characters.
    public enum Alphabet: Sendable {
        /// `+` and `/`.
        case standard
        /// `-` and `_`.
        case url
    }

    /// Encodes.
    public static func encode(_ bytes: [UInt8], _ alphabet: Alphabet) -> String {
        let text = Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: "")
        return alphabet == .standard ? text : text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    /// Decodes; `nil` for any character outside the alphabet (padding included).
    public static func decode(_ text: some StringProtocol, _ alphabet: Alphabet) -> [UInt8]? {
        let (c62, c63): (UInt8, UInt8) = alphabet == .standard ? (43, 47) : (45, 95)
        guard text.utf8.allSatisfy({ ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == c62 || $0 == c63 }) else { return nil }
        var base64 = alphabet == .standard ? String(text) : text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.utf8.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map { [UInt8]($0) }
    }
}
