import Foundation

/// Tells addresses of this machine (127.0.0.0/8, `::1`, `localhost`) from all others, for the
/// places where plain HTTP is acceptable only when nothing leaves the machine.
enum LoopbackAddress {
    /// Whether `host` (a name or an IP literal, brackets allowed) is a loopback address. Only
    /// canonical literals count: `127.1` or `0x7f.0.0.1` are refused rather than guessed at.
    static func isLoopback(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, name, &v4) == 1 {
            // s_addr is in network byte order: the first octet is the lowest byte in memory.
            return withUnsafeBytes(of: &v4) { $0.first } == 127
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, name, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) } == [UInt8](repeating: 0, count: 15) + [1]
        }
        return false
    }

    /// The host of an absolute URL, without IPv6 brackets; nil when it has none.
    static func host(ofURL url: String) -> String? {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else { return nil }
        return host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    /// Whether `url`'s host is a loopback address.
    static func isLoopbackURL(_ url: String) -> Bool {
        host(ofURL: url).map(isLoopback) ?? false
    }
}
