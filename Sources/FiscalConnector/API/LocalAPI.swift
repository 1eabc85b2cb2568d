import FiscalCore
import Foundation
public import Hummingbird
public import Logging
import MontenegroFiscal
import NIOCore
import Synchronization

/// The local HTTP API that invoicing software calls (`fiscal-connector serve`): the same
/// operations and results as the command line, behind a bearer token.
public enum LocalAPI {
    /// The largest request body accepted (an invoice of 1000 items fits comfortably).
    public static let maximumBody = 2 << 20

    /// The routes, for `serve` and for tests.
    public static func router(connector: Connector, token: String, logger: Logger? = nil) -> Router<BasicRequestContext> {
        router(connectors: ConnectorHolder(connector), token: token, logger: logger)
    }

    /// The routes; every request works with the holder's connector of the moment. A known path
    /// called with another method answers 405 with `Allow`. With a `logger`, each request is
    /// logged in one line at `info`.
    public static func router(connectors: ConnectorHolder, token: String, logger: Logger? = nil) -> Router<BasicRequestContext> {
        let router = Router()
        let endpoints = endpoints(connectors: connectors)
        if let logger { router.add(middleware: RequestLogMiddleware(logger: logger)) }
        router.add(middleware: BearerTokenMiddleware(token: token))
        router.add(middleware: MethodNotAllowedMiddleware(routes: RouteMethods(endpoints.map { ($0.method.rawValue, $0.path) })))
        for endpoint in endpoints {
            router.on(RouterPath(endpoint.path), method: endpoint.method, use: endpoint.handle)
        }
        return router
    }

    /// Every route's method and path, as documented in `openapi.yaml`.
    public static var routes: [(method: String, path: String)] {
        endpoints(connectors: nil).map { ($0.method.rawValue, $0.path) }
    }

    /// One route: method, path (`:parameter` segments) and handler.
    struct Endpoint: Sendable {
        let method: HTTPRequest.Method
        let path: String
        let handle: @Sendable (Request, BasicRequestContext) async throws -> Response
    }

    /// The route table; `connectors` is `nil` only to list the routes.
    static func endpoints(connectors holder: ConnectorHolder?) -> [Endpoint] {
        // Handlers run only on a router made with a holder.
        var connectors: ConnectorHolder { holder! }
        return [
            Endpoint(method: .post, path: "/v1/invoices") { request, context in
                let body = try await collect(request)
                let format: InvoiceInput.Format
                switch request.headers[.contentType]?.lowercased() {
                case let type? where type.hasPrefix("text/csv"): format = .csv
                case let type? where type.hasPrefix("text/plain"): format = .text
                default: format = .json
                }
                let encoding: InvoiceInput.Encoding = request.headers[.contentType]?.lowercased().contains("windows-1250") == true ? .windows1250 : .utf8
                let result: FiscalizationResult
                switch Result(catching: { () throws(ValidationError) -> InvoiceRequest in try InvoiceInput.parse(body, format: format, encoding: encoding) }) {
                case .success(let invoice):
                    if let reason = connectors.suspension {
                        result = .suspended(reason, reference: invoice.reference)
                    } else {
                        result = await connectors.current.fiscalize(invoice)
                    }
                case .failure(let error): result = .invalid(error, reference: nil)
                }
                RequestNote.current?.note(result.reference)
                logDeferred(result, context.logger)
                return json(result, status: status(for: result))
            },
            Endpoint(method: .get, path: "/v1/invoices/:reference") { _, context in
                let reference = try context.parameters.require("reference")
                let connector = connectors.current
                guard let entry = try await connector.journal.entry(reference: reference), entry.document.kind == "invoice" else {
                    return problem(.notFound, "unknown_reference", "no invoice with reference '\(reference)'")
                }
                return json(connector.result(for: entry), status: .ok)
            },
            Endpoint(method: .get, path: "/v1/invoices/:reference/qr.svg") { _, context in
                try await qr(connectors.current, context) { code in
                    Response(status: .ok, headers: [.contentType: "image/svg+xml"], body: .init(byteBuffer: ByteBuffer(string: code.svg())))
                }
            },
            Endpoint(method: .get, path: "/v1/invoices/:reference/qr.png") { _, context in
                try await qr(connectors.current, context) { code in
                    Response(status: .ok, headers: [.contentType: "image/png"], body: .init(byteBuffer: ByteBuffer(bytes: code.png())))
                }
            },
            Endpoint(method: .post, path: "/v1/cash-deposits") { request, context in
                let body = try await collect(request)
                let deposit: DepositRequest
                do throws(ValidationError) {
                    deposit = try DepositRequest.decode(body)
                } catch {
                    let result = FiscalizationResult.invalid(error, reference: nil)
                    return json(result, status: status(for: result))
                }
                if let reason = connectors.suspension { return json(FiscalizationResult.suspended(reason, reference: deposit.reference), status: .forbidden) }
                let result = await connectors.current.deposit(amount: deposit.amount, operation: deposit.operation, reference: deposit.reference)
                RequestNote.current?.note(result.reference)
                logDeferred(result, context.logger)
                return json(result, status: status(for: result))
            },
            Endpoint(method: .post, path: "/v1/deliveries") { _, _ in
                do {
                    return json(try await connectors.current.deliverPending(force: true), status: .ok)
                } catch {
                    return problem(.serviceUnavailable, "journal", "the journal cannot be read: \(error); check its file and disk, then ask again")
                }
            },
            Endpoint(method: .get, path: "/v1/status") { _, _ in
                json(try await connectors.current.status(), status: .ok)
            },
            Endpoint(method: .get, path: "/v1/openapi.yaml") { _, _ in
                Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_yaml)))
            },
        ]
    }

    /// HTTP status of a result: 200 fiscalized, 202 deferred (FIC to follow), 409 reference
    /// conflict, 422 rejected (input or the tax authority), 500 internal.
    public static func status(for result: FiscalizationResult) -> HTTPResponse.Status {
        switch result.status {
        case .fiscalized: .ok
        case .deferred: .accepted
        case .rejected:
            switch result.error?.code {
            case .referenceConflict: .conflict
            case .suspended: .forbidden
            case .inProgress: .serviceUnavailable
            case .internal, .journal: .internalServerError
            case .invalidInput, .authorityRejected, .configuration, .certificate, .license, .initialDepositMissing, .initialDepositFailed,
                 .unanswered, nil: .unprocessableContent
            }
        }
    }

    /// A first delivery attempt that failed (the document was issued offline) is worth a warning.
    static func logDeferred(_ result: FiscalizationResult, _ logger: Logger) {
        guard result.status == .deferred else { return }
        logger.warning("A delivery attempt failed; the document was issued offline and is delivered later.",
                       metadata: ["reference": "\(result.reference ?? "")", "reason": "\(result.warnings.last ?? "")"])
    }

    static func collect(_ request: Request) async throws -> Data {
        do {
            return Data(Array(buffer: try await request.body.collect(upTo: maximumBody)))
        } catch {
            throw ProblemResponse(response: problem(.contentTooLarge, "too_large", "the request body exceeds \(maximumBody) bytes: send one invoice per request"))
        }
    }

    static func qr(_ connector: Connector, _ context: BasicRequestContext, _ make: (QRCode) -> Response) async throws -> Response {
        let reference = try context.parameters.require("reference")
        guard let entry = try await connector.journal.entry(reference: reference), let url = entry.document.qrURL else {
            return problem(.notFound, "unknown_reference", "no invoice with reference '\(reference)'")
        }
        guard entry.state != .rejected else {
            return problem(.conflict, "rejected", "the tax authority refused the invoice '\(reference)': it has no valid QR code")
        }
        return make(try QRCode(url))
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func problem(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
        json(["error": ["code": code, "message": message]], status: status)
    }
}

/// `POST /v1/cash-deposits`: `{"amount": "50.00", "operation": "INITIAL" or "WITHDRAW", "reference": "…"}`,
/// read exactly as `openapi.yaml` (`CashDeposit`) describes it: no other keys, the amount a
/// non-negative decimal (string or number) of at most 12 digits and 2 decimals, above zero for a
/// WITHDRAW, the reference 1 to 100 characters.
struct DepositRequest {
    let amount: ExactDecimal
    let operation: CashDepositOperation
    let reference: String?

    static let keys: Set<String> = ["amount", "operation", "reference"]

    /// A JSON value as sent: its type matters (a reference must be a string, not a number).
    enum Value: Decodable {
        case text(String), flag(Bool), number, other

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) { self = .text(text)
            } else if let flag = try? container.decode(Bool.self) { self = .flag(flag)
            } else if (try? container.decode(Double.self)) != nil { self = .number
            } else { self = .other }
        }
    }

    static func decode(_ body: Data) throws(ValidationError) -> DepositRequest {
        func refuse(_ code: ValidationIssue.Code, _ field: String, _ message: String) -> ValidationError {
            ValidationError([ValidationIssue(code, field: field, message)])
        }
        // Types from the body as sent; the amount's digits from its text (never a binary double).
        guard let object = try? JSONDecoder().decode([String: Value].self, from: body),
              let exact = try? JSONDecoder().decode([String: Value].self, from: ExactJSON.quotingNumbers(body)) else {
            throw refuse(.invalidFormat, "input", "the body is not a JSON object: send {\"amount\": \"50.00\", \"operation\": \"INITIAL\" or \"WITHDRAW\", \"reference\": \"…\"}")
        }
        if let key = object.keys.sorted().first(where: { !keys.contains($0) }) {
            throw refuse(.notAllowed, key, "'\(key)' is not a cash deposit field: send only amount, operation and reference")
        }
        let operation: CashDepositOperation
        switch object["operation"] {
        case nil: operation = .initial
        case .text(let text)? where CashDepositOperation(rawValue: text) != nil: operation = CashDepositOperation(rawValue: text)!
        default: throw refuse(.unknownCode, "operation", "operation must be \"INITIAL\" or \"WITHDRAW\" (upper case)")
        }
        let pattern: Regex<Substring>?
        switch object["amount"] {
        case .text?: pattern = /[0-9]{1,12}(?:\.[0-9]{1,2})?/
        case .number?: pattern = /-?0+(?:\.0+)?|[0-9]{1,12}(?:\.[0-9]{1,2})?/
        default: pattern = nil
        }
        guard let pattern, case .text(let text)? = exact["amount"], text.wholeMatch(of: pattern) != nil, let amount = ExactDecimal(text) else {
            let given = if case .text(let text)? = exact["amount"] { "'\(text)'" } else { object["amount"] == nil ? "missing" : "not a string or number" }
            throw refuse(.invalidFormat, "amount", "amount \(given) is not a non-negative amount such as \"50.00\" (at most 12 digits and 2 decimals)")
        }
        if operation == .withdraw && amount.isZero {
            throw refuse(.outOfRange, "amount", "a WITHDRAW of 0.00 is refused by the tax authority (error 51): give the amount taken out")
        }
        let reference: String?
        switch object["reference"] {
        case nil: reference = nil
        case .text(let text)? where (1...100).contains(text.unicodeScalars.count): reference = text
        default: throw refuse(.invalidFormat, "reference", "reference must be a string of 1 to 100 characters (your own id of the deposit): it makes retries safe")
        }
        return DepositRequest(amount: amount, operation: operation, reference: reference)
    }
}

/// An answer that ends a handler early (a body too large).
struct ProblemResponse: HTTPResponseError {
    let response: Response

    var status: HTTPResponse.Status { response.status }

    func response(from request: Request, context: some RequestContext) throws -> Response { response }
}

/// A known path called with a method it does not answer: 405 with `Allow` (RFC 9110), not 404.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let routes: RouteMethods

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let methods = routes.methods(at: request.uri.path), !methods.contains(request.method.rawValue) else {
            return try await next(request, context)
        }
        var response = LocalAPI.problem(.methodNotAllowed, "method_not_allowed", "\(request.uri.path) answers \(methods.joined(separator: ", ")), not \(request.method.rawValue)")
        response.headers[.allow] = methods.joined(separator: ", ")
        return response
    }
}

/// Refuses requests without `Authorization: Bearer <token>` (compared in constant time).
struct BearerTokenMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let header = request.headers[.authorization] ?? ""
        let given = header.hasPrefix("Bearer ") ? String(header.dropFirst(7)) : ""
        guard Self.equal(Array(given.utf8), Array(token.utf8)) else {
            var response = LocalAPI.problem(.unauthorized, "unauthorized", "send the API token as 'Authorization: Bearer <token>' (the value of the variable named by [api] token_env)")
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        return try await next(request, context)
    }

    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count, !b.isEmpty else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

/// Logs one line per request at `info`: method, path, status, duration and the document's
/// reference when there is one. Never the body, the query or the headers (the token).
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let note = RequestNote()
        do {
            let response = try await RequestNote.$current.withValue(note) { try await next(request, context) }
            log(request, status: response.status.code, since: started, note: note)
            return response
        } catch {
            log(request, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: started, note: note)
            throw error
        }
    }

    func log(_ request: Request, status: Int, since started: ContinuousClock.Instant, note: RequestNote) {
        let elapsed = (ContinuousClock.now - started).components
        let milliseconds = Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) / 1e15
        var metadata: Logger.Metadata = [
            "method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "status": "\(status)",
            "duration_ms": "\((milliseconds * 10).rounded() / 10)",
        ]
        if let reference = note.reference { metadata["reference"] = "\(reference)" }
        logger.info("Request.", metadata: metadata)
    }
}

/// What a handler tells the request log about the request it answers (its document's reference).
final class RequestNote: Sendable {
    /// The note of the request being handled.
    @TaskLocal static var current: RequestNote?
    private let stored = Mutex<String?>(nil)

    /// The reference noted, if any.
    var reference: String? { stored.withLock { $0 } }

    /// Notes the document's reference.
    func note(_ reference: String?) {
        stored.withLock { $0 = reference }
    }
}
