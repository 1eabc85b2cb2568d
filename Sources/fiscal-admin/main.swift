import ArgumentParser
import FiscalAdmin
import FiscalCore
import Foundation

@main
struct FiscalAdminCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fiscal-admin",
        abstract: "The integrators' back office for fiscal connectors.",
        subcommands: [LicenseCommand.self, MasterKeyCommand.self]
    )
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
