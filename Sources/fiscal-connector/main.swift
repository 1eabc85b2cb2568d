import ArgumentParser
import FiscalConnector
import FiscalCore
import Foundation
import MontenegroFiscal

@main
struct FiscalConnectorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fiscal-connector",
        abstract: "Fiscalizes invoices with Montenegro's tax authority (EFI).",
        subcommands: [IICCommand.self, CertificateCommand.self]
    )
}

/// Exit codes shared by every command: 0 success, 2 rejected or invalid input, 1 internal error.
enum Exit {
    static func invalid(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
        return ExitCode(2)
    }
}

func password(from variable: String?) throws -> String? {
    guard let variable else { return nil }
    guard let value = ProcessInfo.processInfo.environment[variable] else {
        throw Exit.invalid("the environment variable \(variable) is not set; export the certificate password in it (export \(variable)=…)")
    }
    return value
}

func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    FileHandle.standardOutput.write(try encoder.encode(value) + Data("\n".utf8))
}

struct IICCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iic",
        abstract: "Recomputes an invoice's IIC and IIC signature (the inspector's check).",
        discussion: "Give the seven values either as one --input 'TIN|IssueDateTime|InvOrdNum|BusinUnitCode|TCRCode|SoftCode|TotPrice' or as separate options."
    )

    @Option(name: .long, help: "The issuer's certificate: PKCS#12 (.p12/.pfx) or PEM.")
    var certificate: String
    @Option(name: .customLong("password-env"), help: "Environment variable holding the certificate password.")
    var passwordEnv: String?
    @Option(name: .long, help: "The seven values joined by '|'.")
    var input: String?
    @Option(name: .long, help: "Issuer TIN.") var tin: String?
    @Option(name: .customLong("issued-at"), help: "IssueDateTime exactly as sent, e.g. 2026-11-21T10:15:00+01:00.") var issuedAt: String?
    @Option(name: .long, help: "InvOrdNum.") var ordinal: String?
    @Option(name: .customLong("business-unit"), help: "BusinUnitCode.") var businessUnit: String?
    @Option(name: .customLong("tcr"), help: "TCRCode.") var tcr: String?
    @Option(name: .customLong("software"), help: "SoftCode.") var software: String?
    @Option(name: .long, help: "TotPrice with two decimals, e.g. 99.01.") var total: String?

    func run() throws {
        let iicInput: IICInput
        do {
            if let input {
                iicInput = try IICInput(parsing: input)
            } else {
                let fields = [tin, issuedAt, ordinal, businessUnit, tcr, software, total]
                let names = ["--tin", "--issued-at", "--ordinal", "--business-unit", "--tcr", "--software", "--total"]
                let missing = zip(fields, names).filter { $0.0 == nil }.map(\.1)
                guard missing.isEmpty else {
                    throw Exit.invalid("give --input 'TIN|…|TOTAL' or all of \(names.joined(separator: ", ")); missing: \(missing.joined(separator: ", "))")
                }
                let candidate = IICInput(tin: tin!, issuedAt: issuedAt!, ordinal: ordinal!, businessUnit: businessUnit!, tcr: tcr!, software: software!, totalPrice: total!)
                let problems = candidate.issues
                if !problems.isEmpty { throw MontenegroFiscal.ValidationError(problems) }
                iicInput = candidate
            }
            let identity = try SigningIdentity(contentsOf: certificate, password: try password(from: passwordEnv))
            try printJSON(try IICComputation.compute(iicInput, identity: identity))
        } catch let error as MontenegroFiscal.ValidationError {
            throw Exit.invalid(error.description)
        } catch let error as CertificateError {
            throw Exit.invalid(error.description)
        }
    }
}

struct CertificateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certificate",
        abstract: "Works with the taxpayer's certificate.",
        subcommands: [Inspect.self]
    )

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Shows subject, TIN, validity, days left and whether the connector would accept the certificate.",
            discussion: "Exits 0 when the certificate would be accepted, 2 when not or when it cannot be opened."
        )

        @Argument(help: "The certificate: PKCS#12 (.p12/.pfx) or PEM.")
        var file: String
        @Option(name: .customLong("password-env"), help: "Environment variable holding the certificate password.")
        var passwordEnv: String?
        @Option(name: .customLong("key"), help: "Separate PEM private key file, if the certificate is PEM.")
        var keyFile: String?
        @Option(name: .long, help: "The taxpayer's TIN the certificate must carry.")
        var tin: String?

        func run() throws {
            do {
                let report = try CertificateInspection.inspect(file: file, password: try password(from: passwordEnv), keyFile: keyFile, expectedTIN: tin)
                try printJSON(report)
                if !report.accepted { throw ExitCode(2) }
            } catch let error as CertificateError {
                throw Exit.invalid(error.description)
            }
        }
    }
}
