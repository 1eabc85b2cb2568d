import ArgumentParser
import FiscalAdmin
import FiscalCore
import Foundation
import Hummingbird
import Logging

@main
struct FiscalAdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fiscal-admin",
        abstract: "The integrators' back office for fiscal connectors.",
        version: FiscalVersion.current,
        subcommands: [ServeCommand.self, LicenseCommand.self, MasterKeyCommand.self]
    )
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Runs the back office: web pages and the JSON API under /api/v1 (SQLite in --data unless --database names PostgreSQL)."
    )
    @Option(name: .long, help: "Port to listen on.") var port: Int = 8080
    @Option(name: .long, help: "Address to listen on (0.0.0.0 for every interface, behind a TLS proxy).") var host: String = "127.0.0.1"
    @Option(name: .long, help: "Folder for admin.sqlite and, on first start, master.key and the license authority key pair.") var data: String = "fiscal-admin-data"
    @Option(name: .long, help: "PostgreSQL URL (postgresql://user:password@host:5432/database) instead of SQLite; or FISCAL_ADMIN_DATABASE_URL.") var database: String?
    @Option(name: .customLong("master-key"), help: "Master key file (else FISCAL_ADMIN_MASTER_KEY, else <data>/master.key, created on first start).") var masterKey: String?
    @Option(name: .customLong("license-key"), help: "License authority private key (else <data>/license-authority.key, created on first start).") var licenseKey: String?
    @Option(name: .customLong("first-admin"), help: "Creates this integrator admin if no account has the address (password from FISCAL_ADMIN_PASSWORD, else generated and printed once).") var firstAdmin: String?
    @Option(name: .customLong("organization"), help: "The first admin's organisation name.") var organization: String = "Integrator"
    @Option(name: .customLong("test-url"), help: "Tax authority endpoint that test devices are given.") var testURL: String?
    @Option(name: .customLong("production-url"), help: "Tax authority endpoint that production devices are given.") var productionURL: String?
    @Option(name: .customLong("public-url"), help: "The address connectors and people reach this server at (shown in enrolment commands).") var publicURL: String?
    @Option(name: .customLong("refresh-seconds"), help: "How often connectors refresh their profile and report.") var refreshSeconds: Int = 300
    @Option(name: .customLong("trusted-ca"), help: "A PEM or DER file of CA certificates that uploaded certificates must chain to (repeatable; <data>/trusted-ca.pem is read too).") var trustedCA: [String] = []
    @Flag(name: .customLong("secure-cookies"), help: "Mark session cookies Secure (serve over HTTPS, e.g. behind a TLS proxy).") var secureCookies = false
    @Flag(name: .customLong("trust-proxy"), help: "Behind a reverse proxy: throttle sign-ins by the client address in X-Forwarded-For.") var trustProxy = false

    func run() async throws {
        var setup = AdminSetup()
        setup.dataDirectory = data
        setup.databaseURL = database ?? ProcessInfo.processInfo.environment["FISCAL_ADMIN_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        setup.masterKeyPath = masterKey
        setup.licenseKeyPath = licenseKey
        setup.trustedCAFiles = trustedCA
        if let testURL { setup.settings.testURL = testURL }
        if let productionURL { setup.settings.productionURL = productionURL }
        guard (10...86_400).contains(refreshSeconds) else { throw fail("--refresh-seconds \(refreshSeconds) must be between 10 and 86400") }
        setup.settings.refreshSeconds = refreshSeconds
        let opened: (service: AdminService, notes: [String])
        do { opened = try setup.open() } catch let error as any CodedError { throw fail(error.message) }
        opened.notes.forEach { say("fiscal-admin: " + $0) }
        if let firstAdmin {
            let given = ProcessInfo.processInfo.environment["FISCAL_ADMIN_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
            let password = given ?? AdminSetup.generatedPassword()
            do {
                if try await opened.service.ensureFirstAdmin(email: firstAdmin, organization: organization, password: password) != nil {
                    say("fiscal-admin: created integrator admin \(firstAdmin)" + (given == nil ? " with password \(password) (shown once: keep it in your password manager)" : ""))
                }
            } catch let error as AdminError {
                throw fail("--first-admin: " + error.message)
            }
        }
        var logger = Logger(label: "fiscal-admin")
        logger.logLevel = .info
        let url = publicURL ?? "http://\(host):\(port)"
        let server = try AdminServer(service: opened.service, publicURL: url, secureCookies: secureCookies, trustProxy: trustProxy)
        let application = server.application(host: host, port: port, logger: logger) { bound in
            say("fiscal-admin: serving on http://\(host):\(bound) (sign in at \(url)/signin)")
        }
        try await application.runService()
    }
}

/// Writes a line to standard output at once (print buffers when the output is a pipe or a log file).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
    return ExitCode(2)
}

struct LicenseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "license",
        abstract: "Creates license keys and issues and checks device licenses.",
        subcommands: [Keygen.self, Issue.self, Verify.self]
    )

    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Writes a new license-authority key pair (license-authority.key, .pub).")
        @Option(name: .long, help: "Folder to write the key pair into.") var out: String

        func run() throws {
            do {
                let key = try LicenseAuthority.generateKeys(in: out)
                print("wrote \(out)/\(LicenseAuthority.privateKeyFile) (keep it secret, back it up) and \(out)/\(LicenseAuthority.publicKeyFile) (install beside connectors); key id \(key.keyID)")
            } catch {
                throw fail(error.message)
            }
        }
    }

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issues a license for one device and prints the token for [license] token.")
        @Option(name: .long, help: "The license authority's private key file.") var key: String
        @Option(name: .long, help: "The taxpayer's TIN.") var tin: String
        @Option(name: .customLong("business-unit"), help: "The business unit code.") var businessUnit: String
        @Option(name: .long, help: "The device's TCR code.") var device: String
        @Option(name: .long, help: "test, production or test,production.") var environments: String = "test"
        @Option(name: .long, help: "Last day of validity, YYYY-MM-DD.") var expires: String

        func run() throws {
            guard let date = FiscalDate(expires) else { throw fail("--expires '\(expires)' is not a date such as 2027-12-31") }
            guard date >= FiscalDate(Date()) else { throw fail("--expires \(expires) is in the past") }
            do {
                let signing = try LicenseAuthority.privateKey(at: key)
                let environments = self.environments.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                print(try LicenseAuthority.issue(key: signing, tin: tin, businessUnit: businessUnit, device: device, environments: environments, expires: date).token)
            } catch {
                throw fail(error.message)
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Checks a license token against a public key and prints what it allows.")
        @Option(name: .customLong("public-key"), help: "The license authority's public key file.") var publicKey: String
        @Argument(help: "The license token.") var token: String

        func run() throws {
            do {
                let license = try License.verify(token, trustedKeys: [try LicenseAuthority.publicKey(at: publicKey)])
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                let expired = license.expires < FiscalDate(Date())
                FileHandle.standardOutput.write(try encoder.encode(license) + Data("\n".utf8))
                if expired { throw fail("the license expired on \(license.expires)") }
            } catch let error as LicenseError {
                throw fail(error.message)
            }
        }
    }
}

struct MasterKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "master-key",
        abstract: "Creates and checks the master key that encrypts certificate keys at rest.",
        subcommands: [Generate.self, Check.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Prints a new master key (base64). Store it outside the database: `fiscal-admin master-key generate > master.key && chmod 600 master.key`.")

        func run() {
            print(MasterKey.generate().base64)
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Checks a master key file (or FISCAL_ADMIN_MASTER_KEY) and prints its id.")
        @Argument(help: "The key file; omit to check the FISCAL_ADMIN_MASTER_KEY environment variable.") var file: String?

        func run() throws {
            do {
                let key = try MasterKey.load(path: file)
                print("master key \(key.id) is usable")
            } catch {
                throw fail(error.message)
            }
        }
    }
}
