public import FiscalAdmin
public import Foundation
import Hummingbird
import Logging
#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif

/// A real `fiscal-admin` HTTP server on 127.0.0.1 over an ``AdminHarness``.
public final class AdminServerHarness: Sendable {
    /// The service and its database.
    public let admin: AdminHarness
    /// The server.
    public let server: AdminServer
    /// The bound port.
    public let port: Int
    private let task: Task<Void, any Error>

    /// `http://127.0.0.1:<port>`.
    public var base: String { "http://127.0.0.1:\(port)" }

    private init(admin: AdminHarness, server: AdminServer, port: Int, task: Task<Void, any Error>) {
        self.admin = admin
        self.server = server
        self.port = port
        self.task = task
    }

    /// Starts a server on a fresh database.
    public static func start(_ engine: StoreEngine, settings: AdminService.Settings = AdminService.Settings(), trustProxy: Bool = false,
                             readTimeout: Duration = AdminServer.readTimeout) async throws -> AdminServerHarness {
        let admin = try AdminHarness(engine, settings: settings)
        let server = try AdminServer(service: admin.service, publicURL: "http://127.0.0.1", trustProxy: trustProxy)
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "fiscal-admin-test")
        logger.logLevel = .critical
        let application = server.application(host: "127.0.0.1", port: 0, logger: logger, readTimeout: readTimeout) { port in
            continuation.yield(port)
            continuation.finish()
        }
        let task = Task {
            defer { continuation.finish() }
            try await application.run()
        }
        var bound = 0
        for await value in stream { bound = value }
        guard bound > 0 else {
            task.cancel()
            throw StoreError(.unavailable, "the admin server could not listen: \(await task.result)")
        }
        return AdminServerHarness(admin: admin, server: server, port: bound, task: task)
    }

    /// Stops serving.
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

/// An HTTP client for the admin server's pages and API: keeps its own cookies, never follows
/// redirects (tests look at them), sends any headers.
public final class WebClient: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    /// An answer.
    public struct Answer: Sendable {
        /// Status.
        public let status: Int
        /// Headers (names lower-cased).
        public let headers: [String: String]
        /// Body.
        public let body: Data

        /// The body as text.
        public var text: String { String(decoding: body, as: UTF8.self) }
        /// The body as a JSON object.
        public var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
        /// The body as a JSON array.
        public var jsonArray: [[String: Any]]? { (try? JSONSerialization.jsonObject(with: body)) as? [[String: Any]] }
        /// The first hidden CSRF field of a page.
        public var csrf: String? {
            guard let range = text.range(of: "name=\"csrf\" value=\"") else { return nil }
            return String(text[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    /// The server.
    public let base: String
    /// A bearer token sent with every request, if set.
    public var token: String?
    private let lock = NSLock()
    private var cookies: [String: String] = [:]
    private lazy var session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        return URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
    }()

    /// A client for `base`.
    public init(base: String, token: String? = nil) {
        self.base = base
        self.token = token
    }

    /// Sends a request; `form` is URL-encoded, `json` is a JSON object.
    public func send(_ method: String, _ path: String, form: [String: String]? = nil, json: [String: Any]? = nil, body: Data? = nil, contentType: String? = nil,
                     headers: [String: String] = [:]) async throws -> Answer {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let form {
            request.httpBody = Data(form.map { "\(Self.encode($0.key))=\(Self.encode($0.value))" }.joined(separator: "&").utf8)
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        } else if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let body {
            request.httpBody = body
            if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let cookieHeader = lock.withLock { cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        if !cookieHeader.isEmpty { request.setValue(cookieHeader, forHTTPHeaderField: "Cookie") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response): (Data, URLResponse) = try await withCheckedThrowingContinuation { continuation in
            session.dataTask(with: request) { data, response, error in
                if let error { continuation.resume(throwing: error) } else { continuation.resume(returning: (data ?? Data(), response!)) }
            }.resume()
        }
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { headers[String(describing: key).lowercased()] = String(describing: value) }
        if let setCookie = http.value(forHTTPHeaderField: "Set-Cookie") {
            for cookie in setCookie.components(separatedBy: ", ") {
                let pair = cookie.split(separator: ";")[0].split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count >= 1 else { continue }
                lock.withLock { cookies[pair[0]] = pair.count == 2 && !pair[1].isEmpty ? pair[1] : nil }
            }
        }
        return Answer(status: http.statusCode, headers: headers, body: data)
    }

    /// A multipart form with one file.
    public func upload(_ path: String, fields: [String: String], file: (name: String, filename: String, bytes: [UInt8])) async throws -> Answer {
        let boundary = "fiscal-test-\(UUID().uuidString)"
        var body = Data()
        for (name, value) in fields {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.filename)\"\r\nContent-Type: application/x-pkcs12\r\n\r\n".utf8)
        body += Data(file.bytes) + Data("\r\n--\(boundary)--\r\n".utf8)
        return try await send("POST", path, body: body, contentType: "multipart/form-data; boundary=\(boundary)")
    }

    /// Signs in through the form; returns the dashboard's CSRF token.
    @discardableResult
    public func signIn(email: String, password: String) async throws -> String? {
        let answer = try await submitSignIn(email: email, password: password)
        guard answer.status == 303 else { return nil }
        return try await send("GET", "/").csrf
    }

    /// Opens the sign-in page and submits its form, as a browser does (with its CSRF token).
    public func submitSignIn(email: String, password: String, headers: [String: String] = [:]) async throws -> Answer {
        let page = try await send("GET", "/signin")
        return try await send("POST", "/signin", form: ["email": email, "password": password, "next": "/", "csrf": page.csrf ?? ""], headers: headers)
    }

    public func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
                           completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet.alphanumerics.union(.init(charactersIn: "-._~"))) ?? text
    }
}
