public import FiscalCore

/// Why an account operation was refused; `field` names the form field or JSON key to fix.
public struct AccountError: CodedError {
    /// The closed set of reasons.
    public enum Code: String, Sendable {
        /// The new password is too short or too long.
        case weakPassword
        /// Too many failed sign-ins; wait before trying again.
        case throttled
        /// Something failed that the user cannot fix.
        case `internal`
    }

    /// What went wrong.
    public let code: Code
    /// The field or key at fault.
    public let field: String
    /// Details and the fix.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, field: String, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }
}
