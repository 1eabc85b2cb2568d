public import FiscalCore

/// Why enrolling with the admin server, or refreshing from it, did not work. Messages name the
/// value and the fix; they never hold the device token, a key or a password.
public struct EnrolmentError: CodedError {
    /// The closed set of reasons.
    public enum Code: String, Sendable {
        /// A bad `--admin` URL or token, before anything was sent.
        case invalidInput
        /// The admin server did not answer (connection, DNS, TLS, timeout).
        case unreachable
        /// The admin server answered 5xx: it is there but cannot serve now.
        case unavailable
        /// HTTP 401: the device token is unknown or was replaced.
        case unauthorized
        /// Another 4xx: the request was understood and refused (device retired, codes missing, throttled…).
        case refused
        /// An answer that is not what the protocol says.
        case badAnswer
        /// A profile that cannot be applied (a key that does not parse, a certificate that does not open).
        case badProfile
        /// Files in the connector's folder cannot be read or written.
        case files
        /// The folder has no `enrolment.json`.
        case notEnrolled
    }

    /// What went wrong.
    public let code: Code
    /// What happened and how to fix it.
    public let message: String
    /// The admin server's HTTP status, when it answered.
    public let status: Int?
    /// The admin server's own error code (`{"error": {"code": …}}`), when it gave one.
    public let serverCode: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, status: Int? = nil, serverCode: String? = nil) {
        self.code = code
        self.message = message
        self.status = status
        self.serverCode = serverCode
    }

    /// Whether the admin server (or the input) refused the request, as opposed to not being reached
    /// or a local failure: `fiscal-connector enroll` exits 2 for a refusal, 1 otherwise.
    public var isRefusal: Bool { [.invalidInput, .unauthorized, .refused].contains(code) }

    /// Whether the admin server could not be used right now, so cached files stand in for it.
    public var isOutage: Bool { code == .unreachable || code == .unavailable }
}
