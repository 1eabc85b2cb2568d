public import FiscalCore
public import Foundation

/// A value bound to, or read from, a SQL statement. The admin store keeps to the three types both
/// SQLite and PostgreSQL read the same way: binary data is stored as base64 text, times as Unix
/// seconds, flags as 0 or 1.
public enum SQLValue: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral {
    /// SQL NULL.
    case null
    /// A 64-bit integer.
    case integer(Int64)
    /// Text.
    case text(String)

    /// Creates text.
    public init(stringLiteral value: String) { self = .text(value) }
    /// Creates an integer.
    public init(integerLiteral value: Int64) { self = .integer(value) }
    /// Creates NULL.
    public init(nilLiteral: ()) { self = .null }
    /// Text, or NULL for `nil`.
    public init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    /// An integer, or NULL for `nil`.
    public init(_ value: Int?) { self = value.map { .integer(Int64($0)) } ?? .null }
    /// 1 or 0.
    public init(_ value: Bool) { self = .integer(value ? 1 : 0) }
    /// Unix seconds, or NULL for `nil`.
    public init(_ value: Date?) { self = value.map { .integer(Int64($0.timeIntervalSince1970.rounded(.down))) } ?? .null }
}

/// One result row, by column name.
public struct SQLRow: Sendable {
    /// The row's values by (lower-case) column name.
    public let values: [String: SQLValue]

    /// Creates a row.
    public init(_ values: [String: SQLValue]) { self.values = values }

    /// A text column that may be NULL.
    public func optionalText(_ column: String) throws(StoreError) -> String? {
        switch try value(column) {
        case .null: return nil
        case .text(let text): return text
        case .integer(let number): return String(number)
        }
    }

    /// A text column that must not be NULL.
    public func text(_ column: String) throws(StoreError) -> String {
        guard let text = try optionalText(column) else { throw StoreError(.corrupt, "column \(column) is NULL where a value is required") }
        return text
    }

    /// An integer column that may be NULL.
    public func optionalInteger(_ column: String) throws(StoreError) -> Int? {
        switch try value(column) {
        case .null: return nil
        case .integer(let number): return Int(number)
        case .text(let text):
            guard let number = Int(text) else { throw StoreError(.corrupt, "column \(column) holds '\(text)' where a number is required") }
            return number
        }
    }

    /// An integer column that must not be NULL.
    public func integer(_ column: String) throws(StoreError) -> Int {
        guard let number = try optionalInteger(column) else { throw StoreError(.corrupt, "column \(column) is NULL where a number is required") }
        return number
    }

    /// A 0/1 flag.
    public func flag(_ column: String) throws(StoreError) -> Bool { try integer(column) != 0 }

    /// A time stored as Unix seconds, which may be NULL.
    public func optionalDate(_ column: String) throws(StoreError) -> Date? {
        try optionalInteger(column).map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// A time stored as Unix seconds.
    public func date(_ column: String) throws(StoreError) -> Date { Date(timeIntervalSince1970: TimeInterval(try integer(column))) }

    private func value(_ column: String) throws(StoreError) -> SQLValue {
        guard let value = values[column] else { throw StoreError(.corrupt, "the result has no column \(column)") }
        return value
    }
}

/// Which SQL engine a database speaks; the few statements that differ ask it.
public enum SQLDialect: String, Sendable {
    /// SQLite 3.35 or later.
    case sqlite
    /// PostgreSQL 12 or later.
    case postgres
}

/// One connection inside a transaction. Statements use `?` placeholders on both engines.
public protocol SQLConnection {
    /// Runs one statement and returns its rows (none for a statement without `RETURNING`).
    @discardableResult
    func query(_ sql: String, _ values: [SQLValue]) throws(StoreError) -> [SQLRow]
    /// Runs several statements without parameters (migrations).
    func script(_ sql: String) throws(StoreError)
}

extension SQLConnection {
    /// The first row, or `nil`.
    public func queryOne(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) -> SQLRow? {
        try query(sql, values).first
    }
}

/// A database the admin store runs on: SQLite (one file) or PostgreSQL. Every access is one
/// transaction: it commits when `body` returns and rolls back when it throws.
public protocol SQLDatabase: Sendable {
    /// The engine.
    var dialect: SQLDialect { get }
    /// Runs `body` in one transaction, blocking the calling thread.
    func transactionBlocking<T>(_ body: (any SQLConnection) throws -> T) throws -> T
    /// Closes every connection.
    func close()
}

extension SQLDatabase {
    /// Runs `body` in one transaction on a thread of ``BlockingWorkers``, so neither SQLite's
    /// disk writes nor PostgreSQL's round trips hold up Swift concurrency's threads.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        let result: Result<T, any Error> = await BlockingWorkers.shared.run { Result { try self.transactionBlocking(body) } }
        return try result.get()
    }
}

/// Why the store failed.
public struct StoreError: CodedError {
    /// The closed set of reasons.
    public enum Code: String, Sendable {
        /// A unique key is already taken (the message names the constraint).
        case conflict
        /// Another integrity rule refused the change (a missing referenced row).
        case constraint
        /// The database cannot be reached, opened or written.
        case unavailable
        /// The database holds something this version cannot read, or a statement is wrong.
        case corrupt
    }

    /// What went wrong.
    public let code: Code
    /// Details and the fix.
    public let message: String
    /// The violated constraint or index, when the engine names it.
    public let constraint: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, constraint: String? = nil) {
        self.code = code
        self.message = message
        self.constraint = constraint
    }
}
