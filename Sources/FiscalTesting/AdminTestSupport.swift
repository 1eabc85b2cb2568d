public import FiscalAdmin
public import FiscalCore
public import Foundation

/// The store engines the admin tests run on: SQLite always; PostgreSQL when a server answers at
/// `FISCAL_TEST_POSTGRES_URL` (default `postgresql://fiscal:fiscal@127.0.0.1:5432/fiscal_test`,
/// which `.ci/run` sets up). Under CI an unreachable server fails the tests instead of dropping them.
public enum StoreEngine: String, Sendable, CustomStringConvertible, CaseIterable {
    case sqlite
    case postgres

    public var description: String { rawValue }

    /// The PostgreSQL server the tests use.
    public static let postgresURL = ProcessInfo.processInfo.environment["FISCAL_TEST_POSTGRES_URL"] ?? "postgresql://fiscal:fiscal@127.0.0.1:5432/fiscal_test?connect_timeout=5"

    /// The engines to run on.
    public static let available: [StoreEngine] = {
        if ProcessInfo.processInfo.environment["CI"] != nil { return allCases }
        do {
            try PostgresDatabase(url: postgresURL, maximumConnections: 1).close()
            return allCases
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("note: PostgreSQL store tests skipped (\(error.message)); start a server and set FISCAL_TEST_POSTGRES_URL to run them\n".utf8))
            return [.sqlite]
        } catch {
            return [.sqlite]
        }
    }()

    /// A fresh, empty database: a new SQLite file, or a new PostgreSQL schema.
    public func makeDatabase() throws -> TestDatabase {
        switch self {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fiscal-admin-\(UUID().uuidString)").path
            let database = try SQLiteDatabase(path: folder + "/admin.sqlite")
            return TestDatabase(database: database, cleanup: { try? FileManager.default.removeItem(atPath: folder) })
        case .postgres:
            let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let admin = try PostgresDatabase(url: Self.postgresURL, maximumConnections: 1)
            try admin.transactionBlocking { try $0.script("CREATE SCHEMA \(schema)") }
            let separator = Self.postgresURL.contains("?") ? "&" : "?"
            let database = try PostgresDatabase(url: Self.postgresURL + separator + "options=-csearch_path%3D\(schema)")
            return TestDatabase(database: database, cleanup: {
                database.close()
                _ = try? admin.transactionBlocking { try $0.script("DROP SCHEMA \(schema) CASCADE") }
                admin.close()
            })
        }
    }
}

/// A database made for one test, with what removes it.
public struct TestDatabase: Sendable {
    /// The database.
    public let database: any SQLDatabase
    /// Removes it.
    public let cleanup: @Sendable () -> Void
}

/// An admin service on a fresh database with a movable clock and cheap password hashing.
public final class AdminHarness: Sendable {
    /// The service.
    public let service: AdminService
    /// The database.
    public let test: TestDatabase
    /// The license authority key.
    public let licenseKey: Ed25519.PrivateKey
    /// The clock.
    public let clock: TestClock

    /// Creates a harness on `engine`.
    public init(_ engine: StoreEngine, settings: AdminService.Settings = AdminService.Settings(), now: Date = Date()) throws {
        test = try engine.makeDatabase()
        licenseKey = Ed25519.PrivateKey.generate()
        // Uploads are checked against the test root CA, which issued every test certificate.
        var settings = settings
        if settings.trustedCertificateAuthorities.isEmpty { settings.trustedCertificateAuthorities = [TestMaterial.rootCA] }
        let clock = TestClock(now)
        self.clock = clock
        service = try AdminService(database: test.database, masterKey: MasterKey.generate(), licenseKey: licenseKey, settings: settings,
                                   hasher: PasswordHasher(parameters: .init(logN: 10, r: 8, p: 1)), now: { clock.now })
    }

    deinit { test.cleanup() }

    /// Signs up an integrator and returns its admin.
    public func integrator(_ name: String = "Integrator d.o.o.", email: String? = nil) async throws -> Principal {
        let email = email ?? "admin-\(UUID().uuidString.prefix(8).lowercased())@integrator.me"
        _ = try await service.signUp(Fields(["kind": "integrator", "organization": name, "name": "Ana Admin", "email": email, "password": Self.password]))
        return try await service.signIn(email: email, password: Self.password, address: "127.0.0.1").principal
    }

    /// The password every harness account has.
    public static let password = "correct horse battery staple"

    /// Fields of a valid client with `tin`.
    public static func clientFields(tin: String = "12345678", name: String = "Kafana Primjer d.o.o.") -> Fields {
        Fields(["name": name, "tin": tin, "in_vat": "true", "vat_number": "30/31-12345-6", "address": "Bulevar Svetog Petra Cetinjskog 1", "town": "Podgorica"])
    }

    /// Counts the rows of every table: what a refused request must leave unchanged.
    public func rowCounts() throws -> [String: Int] {
        let tables = ["organization", "account", "session", "api_token", "invitation", "business_unit", "device", "heartbeat", "license", "certificate", "audit"]
        return try test.database.transactionBlocking { connection in
            var counts: [String: Int] = [:]
            for table in tables { counts[table] = try connection.queryOne("SELECT COUNT(*) AS n FROM \(table)")?.integer("n") }
            return counts
        }
    }
}
