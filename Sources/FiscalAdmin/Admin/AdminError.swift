public import FiscalCore

/// Why the back office refused a request. `field` names the form field or JSON key to fix; the
/// message says what was wrong and how to fix it, and never holds a secret.
public struct AdminError: CodedError {
    /// The closed set of reasons.
    public enum Code: String, Sendable {
        /// A field is missing or malformed.
        case invalid
        /// The new password is too short or too long.
        case weakPassword = "weak_password"
        /// No valid session, token or credentials.
        case unauthenticated
        /// Signed in, but the role does not allow this.
        case forbidden
        /// No such record visible to the caller (another tenant's records are never revealed).
        case notFound = "not_found"
        /// Already exists, or the record is not in the state the change needs.
        case conflict
        /// The production checklist is not green, or the confirmation is missing.
        case checklist
        /// Too many failed sign-ins; wait before trying again.
        case throttled
        /// The request body is larger than allowed.
        case tooLarge = "too_large"
        /// The database or another dependency is unavailable; retry later.
        case unavailable
        /// The path exists, but not with this method (the answer's `Allow` lists the ones it has).
        case methodNotAllowed = "method_not_allowed"
        /// Something failed that the user cannot fix.
        case `internal`
    }

    /// What went wrong.
    public let code: Code
    /// The field or key at fault, if one is.
    public let field: String?
    /// Details and the fix.
    public let message: String
    /// For ``Code/throttled``: seconds to wait.
    public let retryAfter: Int?

    /// Creates an error.
    public init(_ code: Code, field: String? = nil, _ message: String, retryAfter: Int? = nil) {
        self.code = code
        self.field = field
        self.message = message
        self.retryAfter = retryAfter
    }

    /// A missing or malformed field.
    public static func invalid(_ field: String, _ message: String) -> AdminError { AdminError(.invalid, field: field, message) }

    /// The record is unknown to the caller.
    public static func notFound(_ what: String, _ id: String) -> AdminError {
        AdminError(.notFound, "no \(what) \(id) is visible to you: check the id, or sign in with an account of its company")
    }

    /// The caller's role does not allow the change.
    public static func forbidden(_ message: String) -> AdminError { AdminError(.forbidden, message) }

    /// Wraps a store failure.
    public init(_ error: StoreError) {
        switch error.code {
        case .conflict: self.init(.conflict, error.message)
        case .constraint: self.init(.conflict, error.message)
        case .unavailable: self.init(.unavailable, "the database is unavailable: \(error.message)")
        case .corrupt: self.init(.internal, error.message)
        }
    }
}
