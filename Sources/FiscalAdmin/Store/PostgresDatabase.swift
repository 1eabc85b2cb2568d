internal import CLibPQ
import Foundation

/// The admin store on a PostgreSQL server, through libpq (the server's own client library), for
/// integrators who run several admin servers against one database. Connections are pooled; each
/// transaction holds one for its duration.
public final class PostgresDatabase: SQLDatabase, @unchecked Sendable {
    /// The connection URL without its password, for messages.
    public let displayURL: String
    /// Always `.postgres`.
    public var dialect: SQLDialect { .postgres }
    private let url: String
    private let maximumConnections: Int
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var idle: [OpaquePointer] = []
    private var open = 0
    private var closed = false

    /// Connects to `url` (`postgresql://user:password@host:port/database?...`) once, to report a
    /// wrong address or password at start rather than at the first request.
    public init(url: String, maximumConnections: Int = 8) throws(StoreError) {
        self.url = url
        self.maximumConnections = max(1, maximumConnections)
        displayURL = Self.redacted(url)
        let connection = try connect()
        condition.lock()
        idle.append(connection)
        open = 1
        condition.unlock()
    }

    deinit { close() }

    public func close() {
        condition.lock()
        closed = true
        let connections = idle
        idle.removeAll()
        open -= connections.count
        condition.broadcast()
        condition.unlock()
        connections.forEach { PQfinish($0) }
    }

    public func transactionBlocking<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        let connection = try checkOut()
        var healthy = true
        defer { checkIn(connection, healthy: healthy && PQstatus(connection) == CONNECTION_OK) }
        let session = Connection(pointer: connection)
        do {
            try session.script("BEGIN")
            let result = try body(session)
            try session.script("COMMIT")
            return result
        } catch {
            if (try? session.script("ROLLBACK")) == nil { healthy = false }
            throw error
        }
    }

    private func connect() throws(StoreError) -> OpaquePointer {
        guard let connection = PQconnectdb(url) else {
            throw StoreError(.unavailable, "cannot allocate a PostgreSQL connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let reason = Self.message(PQerrorMessage(connection))
            PQfinish(connection)
            throw StoreError(.unavailable, "cannot connect to PostgreSQL at \(displayURL): \(reason); check the server is running and the URL's user, password and database")
        }
        PQclear(PQexec(connection, "SET client_min_messages = warning"))
        return connection
    }

    private func checkOut() throws(StoreError) -> OpaquePointer {
        condition.lock()
        while true {
            if closed {
                condition.unlock()
                throw StoreError(.unavailable, "the PostgreSQL store is closed")
            }
            if let connection = idle.popLast() {
                condition.unlock()
                return connection
            }
            if open < maximumConnections {
                open += 1
                condition.unlock()
                do { return try connect() } catch {
                    condition.lock()
                    open -= 1
                    condition.signal()
                    condition.unlock()
                    throw error
                }
            }
            condition.wait()
        }
    }

    private func checkIn(_ connection: OpaquePointer, healthy: Bool) {
        condition.lock()
        if healthy && !closed {
            idle.append(connection)
            condition.signal()
            condition.unlock()
        } else {
            open -= 1
            condition.signal()
            condition.unlock()
            PQfinish(connection)
        }
    }

    static func message(_ text: UnsafePointer<CChar>?) -> String {
        text.map { String(cString: $0) }?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown error"
    }

    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.scheme?.hasPrefix("postgres") == true else { return "the configured server" }
        if components.password != nil { components.password = "***" }
        components.queryItems = components.queryItems?.map { $0.name.lowercased() == "password" ? URLQueryItem(name: $0.name, value: "***") : $0 }
        return components.string ?? "the configured server"
    }

    /// `?` placeholders become `$1`, `$2`…; question marks inside quoted literals stay.
    static func numberedPlaceholders(_ sql: String) -> String {
        var output = ""
        var number = 0
        var inLiteral = false
        for character in sql {
            if character == "'" { inLiteral.toggle() }
            if character == "?" && !inLiteral {
                number += 1
                output += "$\(number)"
            } else {
                output.append(character)
            }
        }
        return output
    }

    private struct Connection: SQLConnection {
        let pointer: OpaquePointer

        func query(_ sql: String, _ values: [SQLValue]) throws(StoreError) -> [SQLRow] {
            let texts: [String?] = values.map {
                switch $0 {
                case .null: return nil
                case .integer(let number): return String(number)
                case .text(let text): return text
                }
            }
            let statement = PostgresDatabase.numberedPlaceholders(sql)
            var cStrings: [UnsafeMutablePointer<CChar>?] = texts.map { $0.map { strdup($0) } ?? nil }
            defer { cStrings.forEach { free($0) } }
            let result = cStrings.withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: max(buffer.count, 1)) { parameters in
                    PQexecParams(pointer, statement, Int32(texts.count), nil, texts.isEmpty ? nil : parameters, nil, nil, 0)
                }
            }
            defer { PQclear(result) }
            return try rows(result)
        }

        func script(_ sql: String) throws(StoreError) {
            let result = PQexec(pointer, sql)
            defer { PQclear(result) }
            _ = try rows(result)
        }

        private func rows(_ result: OpaquePointer?) throws(StoreError) -> [SQLRow] {
            guard let result else {
                throw StoreError(.unavailable, "PostgreSQL: \(PostgresDatabase.message(PQerrorMessage(pointer)))")
            }
            switch PQresultStatus(result) {
            case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                return []
            case PGRES_TUPLES_OK:
                break
            default:
                let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
                let constraint = PQresultErrorField(result, Int32(UInt8(ascii: "n"))).map { String(cString: $0) }
                let text = PostgresDatabase.message(PQresultErrorMessage(result))
                switch state {
                case "23505": throw StoreError(.conflict, "a record with the same key exists (\(constraint ?? "unique key"))", constraint: constraint)
                case "23503", "23502", "23514": throw StoreError(.constraint, "the database refused the change: \(text)", constraint: constraint)
                case let code where code.hasPrefix("08") || code.hasPrefix("57") || code.hasPrefix("53") || code.hasPrefix("40") || code.isEmpty:
                    throw StoreError(.unavailable, "PostgreSQL: \(text)")
                default: throw StoreError(.corrupt, "PostgreSQL (\(state)): \(text)")
                }
            }
            let rowCount = PQntuples(result), columnCount = PQnfields(result)
            var columns: [(name: String, integer: Bool)] = []
            for column in 0..<columnCount {
                let name = String(cString: PQfname(result, column)).lowercased()
                // int8, int2, int4 and bool come back as numbers; everything else as text.
                let type = PQftype(result, column)
                columns.append((name, type == 20 || type == 21 || type == 23 || type == 16))
            }
            var rows: [SQLRow] = []
            rows.reserveCapacity(Int(rowCount))
            for row in 0..<rowCount {
                var values: [String: SQLValue] = [:]
                for (index, column) in columns.enumerated() {
                    let field = Int32(index)
                    if PQgetisnull(result, row, field) == 1 {
                        values[column.name] = .null
                        continue
                    }
                    let text = String(cString: PQgetvalue(result, row, field))
                    if column.integer {
                        values[column.name] = .integer(text == "t" ? 1 : text == "f" ? 0 : Int64(text) ?? 0)
                    } else {
                        values[column.name] = .text(text)
                    }
                }
                rows.append(SQLRow(values))
            }
            return rows
        }
    }
}
