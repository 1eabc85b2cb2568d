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

    /// The routes; every request works with the holder's connector of the moment. With a
    /// `logger`, each request is logged in one line at `info`.
    public static func router(connectors: ConnectorHolder, token: String, logger: Logger? = nil) -> Router<BasicRequestContext> {
        let router = Router()
        if let logger { router.add(middleware: RequestLogMiddleware(logger: logger)) }
        router.add(middleware: BearerTokenMiddleware(token: token))
        let api = router.group("v1")
        api.post("invoices") { request, context -> Response in
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
        }
        api.get("invoices/:reference") { _, context -> Response in
            let reference = try context.parameters.require("reference")
            let connector = connectors.current
            guard let entry = try await connector.journal.entry(reference: reference), entry.document.kind == "invoice" else {
                return problem(.notFound, "unknown_reference", "no invoice with reference '\(reference)'")
            }
            return json(connector.result(for: entry), status: .ok)
        }
        api.get("invoices/:reference/qr.svg") { _, context -> Response in
            try await qr(connectors.current, context) { code in
                Response(status: .ok, headers: [.contentType: "image/svg+xml"], body: .init(byteBuffer: ByteBuffer(string: code.svg())))
            }
        }
        api.get("invoices/:reference/qr.png") { _, context -> Response in
            try await qr(connectors.current, context) { code in
                Response(status: .ok, headers: [.contentType: "image/png"], body: .init(byteBuffer: ByteBuffer(bytes: code.png())))
            }
        }
        api.post("cash-deposits") { request, context -> Response in
            let body = try await collect(request)
            struct DepositRequest: Decodable {
                let amount: ExactDecimal
                let operation: String?
                let reference: String?
            }
            guard let deposit = try? JSONDecoder().decode(DepositRequest.self, from: ExactJSON.quotingNumbers(body)) else {
                return problem(.unprocessableContent, "invalid_input", "expected {\"amount\": \"50.00\", \"operation\": \"INITIAL\" or \"WITHDRAW\", \"reference\": \"…\"}")
            }
            guard let operation = CashDepositOperation(rawValue: (deposit.operation ?? "INITIAL").uppercased()) else {
                return problem(.unprocessableContent, "invalid_input", "operation '\(deposit.operation ?? "")' is neither INITIAL nor WITHDRAW")
            }
            if let reason = connectors.suspension { return json(FiscalizationResult.suspended(reason, reference: deposit.reference), status: .forbidden) }
            let result = await connectors.current.deposit(amount: deposit.amount, operation: operation, reference: deposit.reference)
            RequestNote.current?.note(result.reference)
            logDeferred(result, context.logger)
            return json(result, status: status(for: result))
        }
        api.post("deliveries") { _, _ -> Response in
            do {
                return json(try await connectors.current.deliverPending(force: true), status: .ok)
            } catch {
                throw HTTPError(.serviceUnavailable, message: "the journal cannot be read: \(error)")
            }
        }
        api.get("status") { _, _ -> Response in
            json(try await connectors.current.status(), status: .ok)
        }
        api.get("openapi.yaml") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_yaml)))
        }
        return router
    }

    /// HTTP status of a result: 200 fiscalized, 202 deferred (FIC to follow), 409 reference
    /// conflict, 422 rejected (input or the tax authority), 500 internal.
    public static func status(for result: FiscalizationResult) -> HTTPResponse.Status {
        switch result.status {
        case .fiscalized: .ok
        case .deferred: .accepted
        case .rejected:
            switch result.error?.code {
            case "reference_conflict": .conflict
            case "suspended": .forbidden
            case "in_progress": .serviceUnavailable
            case "internal", "journal": .internalServerError
            default: .unprocessableContent
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
            throw HTTPError(.contentTooLarge, message: "the request body exceeds \(maximumBody) bytes")
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
