/// An error with a closed code and a message that names the value and the fix: tests compare
/// codes (`#expect(error.code == .expired)`), people read messages.
public protocol CodedError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The closed set of reasons.
    associatedtype Code: Equatable & Sendable
    /// Which reason.
    var code: Code { get }
    /// What went wrong and how to fix it.
    var message: String { get }
}

extension CodedError {
    public var description: String { message }

    /// Errors are equal when their codes are.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
}
