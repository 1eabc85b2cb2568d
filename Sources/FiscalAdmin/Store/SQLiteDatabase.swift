import Foundation
import GRDB

/// The admin store in one SQLite file (GRDB), in WAL mode with `synchronous = FULL`: the default,
/// with nothing to set up. Writes are serialized, which the back office's load never notices.
public final class SQLiteDatabase: SQLDatabase {
    private let queue: DatabaseQueue
    /// The database file.
    public let path: String
    /// Always `.sqlite`.
    public var dialect: SQLDialect { .sqlite }

    /// Opens (creating if needed) the database at `path`.
    public init(path: String) throws(StoreError) {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.journalMode = .wal
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        do {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw StoreError(.unavailable, "cannot open the SQLite database \(path): \(error); check that its folder exists and is writable")
        }
    }

    public func transactionBlocking<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        do {
            return try queue.write { db in try body(Connection(db: db)) }
        } catch let error as DatabaseError {
            throw Self.storeError(error)
        }
    }

    public func close() {
        try? queue.close()
    }

    static func storeError(_ error: DatabaseError) -> StoreError {
        switch error.extendedResultCode {
        case .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_PRIMARYKEY:
            let constraint = error.message?.components(separatedBy: "failed: ").last
            return StoreError(.conflict, "a record with the same key exists (\(constraint ?? "unique key"))", constraint: constraint)
        case .SQLITE_CONSTRAINT_FOREIGNKEY, .SQLITE_CONSTRAINT_CHECK, .SQLITE_CONSTRAINT_NOTNULL:
            return StoreError(.constraint, "the database refused the change: \(error.message ?? "constraint failed")")
        default:
            if error.resultCode == .SQLITE_ERROR || error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB {
                return StoreError(.corrupt, "SQLite: \(error.message ?? "\(error.resultCode)")")
            }
            return StoreError(.unavailable, "SQLite: \(error.message ?? "\(error.resultCode)"); check the disk and the file's permissions")
        }
    }

    private struct Connection: SQLConnection {
        let db: Database

        func query(_ sql: String, _ values: [SQLValue]) throws(StoreError) -> [SQLRow] {
            let arguments = StatementArguments(values.map { value -> (any DatabaseValueConvertible)? in
                switch value {
                case .null: return nil
                case .integer(let number): return number
                case .text(let text): return text
                }
            })
            do {
                return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                    var values: [String: SQLValue] = [:]
                    for (column, value) in row {
                        switch value.storage {
                        case .null: values[column.lowercased()] = .null
                        case .int64(let number): values[column.lowercased()] = .integer(number)
                        case .double(let number): values[column.lowercased()] = .integer(Int64(number))
                        case .string(let text): values[column.lowercased()] = .text(text)
                        case .blob(let data): values[column.lowercased()] = .text(data.base64EncodedString())
                        }
                    }
                    return SQLRow(values)
                }
            } catch let error as DatabaseError {
                throw SQLiteDatabase.storeError(error)
            } catch {
                throw StoreError(.unavailable, "SQLite: \(error)")
            }
        }

        func script(_ sql: String) throws(StoreError) {
            do { try db.execute(sql: sql) } catch let error as DatabaseError {
                throw SQLiteDatabase.storeError(error)
            } catch {
                throw StoreError(.unavailable, "SQLite: \(error)")
            }
        }
    }
}
