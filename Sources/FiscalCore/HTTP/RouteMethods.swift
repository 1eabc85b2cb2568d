/// The methods each route path of a server answers, so that a known path called with another
/// method gets `405 Method Not Allowed` with an `Allow` header (RFC 9110) instead of 404.
/// Paths are written the router's way: `/v1/invoices/:reference` (a `:name` segment matches any
/// one non-empty segment).
public struct RouteMethods: Sendable {
    let routes: [(segments: [Substring], method: String)]

    /// A table of `(method, path)` pairs, e.g. `("GET", "/v1/status")`.
    public init(_ routes: [(method: String, path: String)]) {
        self.routes = routes.map { (Self.segments($0.path), $0.method) }
    }

    /// The methods answered at `path` (a request path without its query), sorted, or `nil` when
    /// no route has that path.
    public func methods(at path: some StringProtocol) -> [String]? {
        let requested = Self.segments(path.prefix { $0 != "?" })
        var methods: [String] = []
        for route in routes where Self.matches(route.segments, requested) && !methods.contains(route.method) {
            methods.append(route.method)
        }
        return methods.isEmpty ? nil : methods.sorted()
    }

    static func segments(_ path: some StringProtocol) -> [Substring] {
        Substring(path).split(separator: "/")
    }

    static func matches(_ pattern: [Substring], _ path: [Substring]) -> Bool {
        pattern.count == path.count && zip(pattern, path).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
    }
}
