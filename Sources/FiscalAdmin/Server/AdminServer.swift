import FiscalCore
import Foundation
import HTTPTypes
public import Hummingbird
public import Logging
import NIOCore

/// The request context: Hummingbird's, plus the client's address (for sign-in throttling).
public struct AdminRequestContext: RequestContext, RemoteAddressRequestContext {
    /// Hummingbird's storage.
    public var coreContext: CoreRequestContextStorage
    /// The peer.
    public let remoteAddress: SocketAddress?

    /// Creates a context for a request on `source.channel`.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Uploads are certificates and forms: 256 KiB is plenty (the service refuses certificates over 64 KiB by name).
    public var maxUploadSize: Int { AdminServer.maximumBody }
}

/// Who called, once the route's access rule is satisfied.
public enum Caller: Sendable {
    /// Nobody signed in (sign-in and sign-up).
    case anonymous
    /// An account, by API token or (for pages) by session.
    case account(Principal, AdminService.Session?)
    /// A connector, by its device token.
    case device(String)

    var principal: Principal? {
        if case .account(let principal, _) = self { return principal }
        return nil
    }
}

/// One route of the back office: the JSON API (`/api/v1/…`) and the web pages share this table,
/// so the authorization tests walk every route there is.
public struct AdminRoute: Sendable {
    /// Who may call it.
    public enum Access: String, Sendable {
        /// Anyone (sign-in, sign-up).
        case anyone
        /// A signed-in account: an API token for the API, a session cookie (and CSRF token on
        /// forms) for pages.
        case account
        /// An enrolled connector, by its device token.
        case device
    }

    /// HTTP method.
    public let method: HTTPRequest.Method
    /// Path with `:parameters` (`:client`, `:device`, `:license`, `:token`, `:invitation`, `:organization`).
    public let path: String
    /// Who may call it.
    public let access: Access
    let handle: @Sendable (Request, AdminRequestContext, Caller) async throws -> Response

    /// `true` for web pages (HTML, session cookie), `false` for the JSON API.
    public var isPage: Bool { !path.hasPrefix("/api/") }
}

/// `fiscal-admin serve`: the web pages and the JSON API over one ``AdminService``.
public struct AdminServer: Sendable {
    /// The largest request body accepted.
    public static let maximumBody = 256 * 1024
    /// The session cookie's name.
    public static let sessionCookie = "fiscal_session"

    /// The service.
    public let service: AdminService
    /// The address people and connectors reach the server at (shown in enrolment commands).
    public let publicURL: String
    /// Mark cookies `Secure` (when served over HTTPS, directly or behind a proxy).
    public let secureCookies: Bool
    /// Behind a reverse proxy: take the client's address from the last `X-Forwarded-For` entry
    /// (the one the proxy added), so that sign-in throttling counts clients, not the proxy.
    public let trustProxy: Bool
    let pages: WebPages

    /// Creates the server.
    public init(service: AdminService, publicURL: String, secureCookies: Bool = false, trustProxy: Bool = false) throws {
        self.service = service
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        self.secureCookies = secureCookies
        self.trustProxy = trustProxy
        pages = try WebPages()
    }

    /// Every route.
    public var routes: [AdminRoute] { apiRoutes + webRoutes }

    /// The router.
    public func router() -> Router<AdminRequestContext> {
        let router = Router(context: AdminRequestContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: MethodNotAllowedMiddleware(routes: RouteMethods(routes.map { ($0.method.rawValue, $0.path) }), pages: pages))
        for route in routes {
            router.on(RouterPath(route.path), method: route.method) { request, context in
                try await self.respond(route, request, context)
            }
        }
        return router
    }

    /// How long a connection may stay silent, whether it is sending a request's head or body
    /// or idling between requests, before it is closed: a client that sends half a request and
    /// then nothing holds no connection for longer.
    public static let readTimeout: Duration = .seconds(30)

    /// The application on `host:port` (port 0 picks a free one); `onRunning` receives the port.
    public func application(host: String, port: Int, logger: Logger, readTimeout: Duration = AdminServer.readTimeout,
                            onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: router(),
            server: .http1(configuration: .init(idleTimeout: TimeAmount(readTimeout))),
            configuration: .init(address: .hostname(host, port: port), serverName: "fiscal-admin"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }

    func respond(_ route: AdminRoute, _ request: Request, _ context: AdminRequestContext) async throws -> Response {
        do {
            if route.isPage, request.method == .post, !isSameOrigin(request) {
                throw AdminError(.forbidden, "the form was sent from another site: open \(publicURL) and submit it there")
            }
            let caller: Caller
            switch route.access {
            case .anyone:
                caller = .anonymous
            case .device:
                guard let token = bearer(request), token.hasPrefix("fdt_") else {
                    throw AdminError(.unauthenticated, "send the device token as 'Authorization: Bearer fdt_…' (create one on the device's page)")
                }
                caller = .device(token)
            case .account where route.isPage:
                guard let token = cookie(request, Self.sessionCookie), let session = try await service.session(token: token) else {
                    return redirect("/signin?next=" + (request.uri.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "/-_"))) ?? "/"))
                }
                caller = .account(session.principal, session)
            case .account:
                guard let token = bearer(request) else {
                    throw AdminError(.unauthenticated, "send an API token as 'Authorization: Bearer fat_…' (create one under API tokens, or POST /api/v1/tokens with email and password)")
                }
                guard let principal = try await service.principal(apiToken: token) else {
                    throw AdminError(.unauthenticated, "the API token is unknown or revoked: create a new one")
                }
                caller = .account(principal, nil)
            }
            return try await route.handle(request, context, caller)
        } catch let error as AdminError {
            return route.isPage ? pages.errorPage(error, status: Self.status(error)) : Self.problem(error)
        } catch let error as StoreError {
            let adminError = AdminError(error)
            return route.isPage ? pages.errorPage(adminError, status: Self.status(adminError)) : Self.problem(adminError)
        }
    }

    // MARK: Helpers

    /// The HTTP status of an error.
    public static func status(_ error: AdminError) -> HTTPResponse.Status {
        switch error.code {
        case .invalid, .weakPassword: .unprocessableContent
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict, .checklist: .conflict
        case .throttled: .tooManyRequests
        case .tooLarge: .contentTooLarge
        case .unavailable: .serviceUnavailable
        case .methodNotAllowed: .methodNotAllowed
        case .internal: .internalServerError
        }
    }

    static func problem(_ error: AdminError) -> Response {
        struct Problem: Encodable {
            struct Detail: Encodable {
                let code: String
                let field: String?
                let message: String
            }
            let error: Detail
        }
        var response = json(Problem(error: .init(code: error.code.rawValue, field: error.field, message: error.message)), status: status(error))
        if let seconds = error.retryAfter { response.headers[.retryAfter] = String(seconds) }
        if error.code == .unauthenticated { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = FiscalJSON.encoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok, filename: String? = nil) -> Response {
        var headers: HTTPFields = [.contentType: contentType]
        if let filename { headers[.contentDisposition] = "attachment; filename=\"\(filename)\"" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func redirect(_ location: String, cookies: [String] = []) -> Response {
        var headers: HTTPFields = [.location: location]
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }

    func sessionCookie(_ value: String, maxAge: Int) -> String {
        "\(Self.sessionCookie)=\(value); Path=/; HttpOnly; SameSite=Lax; Max-Age=\(maxAge)" + (secureCookies ? "; Secure" : "")
    }

    /// Whether a browser's form came from this server's own pages: `Origin` (or else the origin
    /// of `Referer`) must be the public URL's or the `Host` the request was sent to. A request
    /// with neither header (not from a browser) passes; its CSRF token still has to match.
    func isSameOrigin(_ request: Request) -> Bool {
        let claimed: Substring
        if let origin = request.headers[.origin] {
            claimed = Substring(origin)
        } else if let referer = request.headers[.referer] {
            guard let schemeEnd = referer.range(of: "://") else { return false }
            claimed = referer[..<(referer[schemeEnd.upperBound...].firstIndex(of: "/") ?? referer.endIndex)]
        } else {
            return true
        }
        let origin = claimed.lowercased()
        var allowed: Set<String> = []
        if let schemeEnd = publicURL.range(of: "://") {
            allowed.insert(String(publicURL[..<(publicURL[schemeEnd.upperBound...].firstIndex(of: "/") ?? publicURL.endIndex)]).lowercased())
        }
        if let host = request.head.authority {
            allowed.insert("http://" + host.lowercased())
            allowed.insert("https://" + host.lowercased())
        }
        return allowed.contains(origin)
    }

    func bearer(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return nil }
        return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }

    func cookie(_ request: Request, _ name: String) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if pair.count == 2, pair[0] == name { return pair[1] }
            }
        }
        return nil
    }

    static func parameter(_ context: AdminRequestContext, _ name: String) throws -> String { try context.parameters.require(name) }

    func address(_ request: Request, _ context: AdminRequestContext) -> String {
        if trustProxy, let forwarded = request.headers[HTTPField.Name("X-Forwarded-For")!]?.split(separator: ",").last {
            return forwarded.trimmingCharacters(in: .whitespaces)
        }
        return context.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The body, refusing more than ``maximumBody`` bytes by name.
    static func body(_ request: Request) async throws -> [UInt8] {
        do {
            return Array(buffer: try await request.body.collect(upTo: maximumBody))
        } catch {
            throw AdminError(.tooLarge, "the request body exceeds \(maximumBody / 1024) KiB")
        }
    }

    /// The type of a JSON API field, as the OpenAPI document declares it.
    enum FieldType: Sendable {
        /// A JSON string without spaces at its ends (the service trims text, so padding would
        /// make a value longer than the document allows look shorter).
        case text
        /// A JSON string taken as it is (a password).
        case secret
        /// A JSON boolean.
        case flag
        /// A JSON whole number, or its text.
        case integer
    }

    /// The fields of a JSON object, a URL-encoded form or a multipart form (files as base64, in
    /// `files`). A JSON object may hold only the keys of `accepting`, each of its type (the JSON
    /// API's bodies, exactly as `openapi.yaml` describes them); forms are not checked.
    static func fields(_ request: Request, accepting: [String: FieldType]? = nil) async throws -> (fields: Fields, files: [String: [UInt8]]) {
        let bytes = try await body(request)
        let type = request.headers[.contentType]?.lowercased() ?? ""
        if type.hasPrefix("multipart/form-data") {
            guard let parts = Multipart.parse(bytes, contentType: request.headers[.contentType] ?? "") else {
                throw AdminError(.invalid, "the form upload is malformed: send it again")
            }
            var fields = Fields(), files: [String: [UInt8]] = [:]
            for part in parts {
                if part.filename != nil { files[part.name] = part.body } else { fields.values[part.name] = String(decoding: part.body, as: UTF8.self) }
            }
            return (fields, files)
        }
        if type.hasPrefix("application/x-www-form-urlencoded") {
            return (Fields(formDecode(String(decoding: bytes, as: UTF8.self))), [:])
        }
        guard !bytes.isEmpty else { return (Fields(), [:]) }
        enum Scalar: Decodable {
            case text(String), flag(Bool), number(String), null, other

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if container.decodeNil() { self = .null
                } else if let text = try? container.decode(String.self) { self = .text(text)
                } else if let flag = try? container.decode(Bool.self) { self = .flag(flag)
                } else if let number = try? container.decode(Int64.self) { self = .number(String(number))
                } else if let number = try? container.decode(Double.self) { self = .number(String(number))
                } else { self = .other }
            }
        }
        guard let object = try? JSONDecoder().decode([String: Scalar].self, from: Data(bytes)) else {
            throw AdminError(.invalid, "the body is not a JSON object: send {\"field\": \"value\", …} with Content-Type application/json")
        }
        var values: [String: String] = [:]
        for (key, value) in object.sorted(by: { $0.key < $1.key }) {
            if let accepting {
                guard let type = accepting[key] else {
                    throw AdminError.invalid(key, "'\(key)' is not a field of this request: send only \(accepting.keys.sorted().joined(separator: ", "))")
                }
                switch (type, value) {
                case (.text, .text(let text)):
                    if let end = [text.unicodeScalars.first, text.unicodeScalars.last].compactMap({ $0 }).first(where: CharacterSet.whitespacesAndNewlines.contains) {
                        throw AdminError.invalid(key, "\(key) starts or ends with the space U+\(String(end.value, radix: 16, uppercase: true)): send it without")
                    }
                case (.secret, .text), (.flag, .flag): break
                case (.integer, .number(let number)) where Int64(number) != nil: break
                case (.integer, .text): break  // as forms send it; the service reads the number
                default:
                    throw AdminError.invalid(key, "\(key) must be \(type == .flag ? "true or false" : type == .integer ? "a whole number" : "a string")")
                }
            }
            switch value {
            case .text(let text): values[key] = text
            case .flag(let flag): values[key] = flag ? "true" : "false"
            case .number(let number): values[key] = number
            case .null: break
            case .other: throw AdminError.invalid(key, "\(key) must be a string, number or boolean")
            }
        }
        return (Fields(values), [:])
    }

    static func formDecode(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            func decode(_ part: Substring) -> String { part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part) }
            guard let key = parts.first.map(decode) else { continue }
            values[key] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return values
    }
}

/// A known path called with a method it does not answer: 405 with `Allow` (RFC 9110), not 404;
/// a problem in JSON under `/api/`, an error page elsewhere.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = AdminRequestContext
    let routes: RouteMethods
    let pages: WebPages

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let methods = routes.methods(at: request.uri.path), !methods.contains(request.method.rawValue) else {
            return try await next(request, context)
        }
        let error = AdminError(.methodNotAllowed, "\(request.uri.path) answers \(methods.joined(separator: ", ")), not \(request.method.rawValue)")
        var response = request.uri.path.hasPrefix("/api/") ? AdminServer.problem(error) : pages.errorPage(error, status: .methodNotAllowed)
        response.headers[.allow] = methods.joined(separator: ", ")
        return response
    }
}

/// Headers every answer carries: no framing, no sniffing, no referrer leaks to other sites, no caching of
/// pages that show secrets, and a content policy without scripts.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AdminRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        // same-origin, not no-referrer: under no-referrer browsers send `Origin: null` with our own
        // forms, and the same-origin check could not tell them from a foreign page's.
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        response.headers[HTTPField.Name("Content-Security-Policy")!] = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
