public import FiscalCore
import Foundation
public import MontenegroFiscal

/// The connector's licensed configuration, read from `connector.toml`.
///
/// Keys (relative paths are resolved against the file's folder):
/// - `[taxpayer]` `tin`, `name`, `address`, `town`, `country` (default `MNE`), `in_vat`
/// - `[device]` `business_unit`, `tcr_code`, `software_code`, `maintainer_code`, `operator_code`,
///   `internal_id` (default `1`, used by `register-tcr`)
/// - `[certificate]` `file`, `password_env` (default `FISCAL_CERT_PASSWORD`), `password_file` (a
///   file holding the password, one trailing newline ignored; instead of `password_env`, as
///   `fiscal-connector enroll` writes it), `key_file` (PEM only)
/// - `[tax_authority]` `environment` (`test` | `production`), `url` (overrides the environment's
///   endpoint; in production `https://`, or plain `http://` only to this machine — 127.0.0.0/8,
///   `::1`, `localhost` — e.g. a local TLS-terminating proxy), `ca_file`, `response_certificates`
///   (trusted signers of answers), `timeout_seconds` (default 5), `verify_responses` (default true
///   when `response_certificates` is given)
/// - `[journal]` `path` (default `journal.sqlite`)
/// - `[api]` `listen` (default `127.0.0.1:8745`), `token_env` (default `FISCAL_API_TOKEN`),
///   `allow_remote` (default false: only loopback addresses may be given)
/// - `[cash]` `auto_initial_deposit` (default true), `initial_float` (default `0.00`)
/// - `[license]` `token`, `trusted_keys` (PEM files, each with one or more public keys; default:
///   the keys in the package's `Licenses/`)
/// - `[delivery]` `deadline_warning_hours` (default 24), `max_backoff_seconds` (default 300)
/// - `[vat]` `rates` (e.g. `["21", "15", "7", "0"]`), `valid_from`, `valid_to` (optional days,
///   `YYYY-MM-DD`, both included): the VAT rates in force on those days, over the built-in
///   Montenegrin table (``VATRateTable/montenegro``), which still applies on the other days
public struct ConnectorConfiguration: Sendable {
    /// The taxpayer who issues invoices.
    public var taxpayer: Taxpayer
    /// This device's codes.
    public var device: Device
    /// The signing certificate.
    public var certificate: CertificateSource
    /// Where and how to reach the tax authority.
    public var taxAuthority: TaxAuthority
    /// The journal database file.
    public var journalPath: String
    /// The local HTTP API.
    public var api: API
    /// Cash-deposit behaviour.
    public var cash: Cash
    /// The device license.
    public var license: LicenseSource
    /// Redelivery behaviour.
    public var delivery: Delivery
    /// The VAT rates in force by day: the built-in table, with `[vat]` over it.
    public var vatRates: VATRateTable
    /// The folder relative paths were resolved against.
    public var baseDirectory: String

    /// The issuing taxpayer.
    public struct Taxpayer: Sendable, Equatable {
        public var tin: String
        public var name: String
        public var address: String?
        public var town: String?
        public var country: String
        public var inVAT: Bool
    }

    /// The device's registration codes.
    public struct Device: Sendable, Equatable {
        public var businessUnit: String
        public var tcr: String
        public var software: String
        public var maintainer: String?
        public var operatorCode: String
        public var internalID: String

        /// The codes as the protocol engine wants them.
        public var codes: DeviceCodes { DeviceCodes(businessUnit: businessUnit, tcr: tcr, software: software, maintainer: maintainer) }
    }

    /// Where the certificate and its password come from.
    public struct CertificateSource: Sendable, Equatable {
        public var file: String
        public var passwordEnvironmentVariable: String
        /// A file holding the password (`password_file`); when set, the environment is not consulted.
        public var passwordFile: String?
        public var keyFile: String?

        /// The certificate's password: the contents of `passwordFile` without its trailing newline,
        /// else the value of `passwordEnvironmentVariable` in `environment` (nil when not set).
        public func password(environment: [String: String]) throws(ConfigurationError) -> String? {
            guard let passwordFile else { return environment[passwordEnvironmentVariable] }
            guard let data = FileManager.default.contents(atPath: passwordFile) else {
                let reason = FileManager.default.fileExists(atPath: passwordFile) ? "cannot be read by this user (check its owner and mode 0600)" : "does not exist"
                throw ConfigurationError(.unreadable, key: "certificate.password_file", line: nil,
                                         "the password file \(passwordFile) \(reason): restore it, or run fiscal-connector refresh on an enrolled device")
            }
            // One line ending, "\n" or "\r\n" (scalars: Swift counts "\r\n" as one character).
            var scalars = String(decoding: data, as: UTF8.self).unicodeScalars
            if scalars.last == "\n" { scalars.removeLast() }
            if scalars.last == "\r" { scalars.removeLast() }
            return String(scalars)
        }
    }

    /// The tax authority's endpoint.
    public struct TaxAuthority: Sendable, Equatable {
        public var environment: EFIEnvironment
        public var url: String
        public var caFile: String?
        public var responseCertificates: [String]
        public var timeoutSeconds: Double
        public var verifyResponses: Bool
    }

    /// The local HTTP API.
    public struct API: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var tokenEnvironmentVariable: String
        /// Whether a non-loopback `listen` was allowed explicitly.
        public var allowRemote: Bool
    }

    /// Cash-deposit behaviour.
    public struct Cash: Sendable, Equatable {
        public var autoInitialDeposit: Bool
        public var initialFloat: ExactDecimal
    }

    /// The license token and the keys that verify it.
    public struct LicenseSource: Sendable, Equatable {
        public var token: String?
        public var trustedKeyFiles: [String]
    }

    /// Redelivery behaviour.
    public struct Delivery: Sendable, Equatable {
        public var deadlineWarningHours: Int
        public var maxBackoffSeconds: Int
    }

    /// Reads and checks a configuration file.
    public static func load(path: String) throws(ConfigurationError) -> ConnectorConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(.unreadable, key: nil, line: nil, "cannot read the configuration file \(path); check the path (--config) and permissions")
        }
        let base = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent().path
        return try parse(String(decoding: data, as: UTF8.self), baseDirectory: base)
    }

    /// Parses configuration text.
    public static func parse(_ text: String, baseDirectory: String) throws(ConfigurationError) -> ConnectorConfiguration {
        let document: TOMLDocument
        do {
            document = try TOMLDocument(parsing: text)
        } catch {
            throw ConfigurationError(.syntax, key: nil, line: error.line, error.message)
        }
        var reader = ConfigurationReader(document: document)
        let configuration = ConnectorConfiguration(
            taxpayer: Taxpayer(
                tin: reader.string("taxpayer.tin", check: { TIN.isValid($0) ? nil : "use the 8-digit PIB or 13-digit JMB" }) ?? "",
                name: reader.string("taxpayer.name") ?? "",
                address: reader.optionalString("taxpayer.address"),
                town: reader.optionalString("taxpayer.town"),
                country: reader.optionalString("taxpayer.country") ?? "MNE",
                inVAT: reader.bool("taxpayer.in_vat") ?? true
            ),
            device: Device(
                businessUnit: reader.code("device.business_unit") ?? "",
                tcr: reader.code("device.tcr_code") ?? "",
                software: reader.code("device.software_code") ?? "",
                maintainer: reader.optionalCode("device.maintainer_code"),
                operatorCode: reader.code("device.operator_code") ?? "",
                internalID: reader.optionalString("device.internal_id") ?? "1"
            ),
            certificate: reader.certificate(base: baseDirectory),
            taxAuthority: reader.taxAuthority(base: baseDirectory),
            journalPath: reader.optionalPath("journal.path", base: baseDirectory) ?? resolve("journal.sqlite", base: baseDirectory),
            api: reader.api(),
            cash: Cash(
                autoInitialDeposit: reader.bool("cash.auto_initial_deposit") ?? true,
                initialFloat: reader.decimal("cash.initial_float") ?? .zero
            ),
            license: LicenseSource(
                token: reader.optionalString("license.token"),
                trustedKeyFiles: (reader.stringArray("license.trusted_keys") ?? []).map { resolve($0, base: baseDirectory) }
            ),
            delivery: Delivery(
                deadlineWarningHours: reader.integer("delivery.deadline_warning_hours", range: 1...47) ?? 24,
                maxBackoffSeconds: reader.integer("delivery.max_backoff_seconds", range: 1...3600) ?? 300
            ),
            vatRates: reader.vatRates(),
            baseDirectory: baseDirectory
        )
        reader.rejectUnknownKeys()
        if let first = reader.errors.first { throw first }
        return configuration
    }

    static func resolve(_ path: String, base: String) -> String {
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/") { return NSHomeDirectory() + path.dropFirst(1) }
        return URL(fileURLWithPath: base).appendingPathComponent(path).standardizedFileURL.path
    }
}

/// A configuration problem, naming the key, its line and the fix.
public struct ConfigurationError: CodedError {
    /// The closed set of reasons.
    public enum Code: String, Sendable {
        /// The configuration or password file cannot be read.
        case unreadable
        /// The file is not valid TOML.
        case syntax
        /// A required key is missing or empty.
        case required
        /// A value of the wrong TOML type, e.g. a number where a string belongs.
        case wrongType
        /// A value of the right type that is not allowed (pattern, range, list of names).
        case invalidValue
        /// Two keys that exclude each other are both set.
        case conflicting
        /// A value that would weaken security (plain HTTP to another machine, an API beyond loopback).
        case unsafe
        /// A key or table the connector does not know, usually a misspelling.
        case unknownKey
    }

    /// What went wrong.
    public let code: Code
    /// The dotted key, e.g. `device.tcr_code`.
    public let key: String?
    /// The 1-based line of the key in the file; nil for a missing key or an unreadable file.
    public let line: Int?
    /// What is wrong and how to fix it.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, key: String?, line: Int?, _ message: String) {
        self.code = code
        self.key = key
        self.line = line
        self.message = message
    }

    /// The message prefixed with the line and key it came from.
    public var description: String {
        var prefix = "configuration"
        if let line { prefix += " line \(line)" }
        if let key { prefix += " [\(key)]" }
        return prefix + ": " + message
    }
}

/// Reads typed values out of the TOML tree, collecting errors.
struct ConfigurationReader {
    let document: TOMLDocument
    private(set) var errors: [ConfigurationError] = []
    private var used: Set<String> = []

    init(document: TOMLDocument) { self.document = document }

    private mutating func fail(_ code: ConfigurationError.Code, _ key: String, _ message: String) {
        errors.append(ConfigurationError(code, key: key, line: document.lines[key], message))
    }

    private mutating func raw(_ key: String) -> TOMLValue? {
        used.insert(key)
        return document.value(at: key)
    }

    mutating func optionalString(_ key: String) -> String? {
        guard let value = raw(key) else { return nil }
        guard case .string(let text) = value else {
            fail(.wrongType, key, "expected a string in quotes, found \(value.kind)")
            return nil
        }
        return text
    }

    mutating func string(_ key: String, check: (String) -> String? = { _ in nil }) -> String? {
        guard let text = optionalString(key) else {
            if document.value(at: key) == nil { fail(.required, key, "is required") }
            return nil
        }
        if text.isEmpty { fail(.required, key, "must not be empty"); return nil }
        if let problem = check(text) { fail(.invalidValue, key, "'\(text)' is not valid: \(problem)"); return nil }
        return text
    }

    mutating func code(_ key: String) -> String? {
        string(key) { RegistrationCode.isValid($0) ? nil : "registration codes look like ab123cd456 (lowercase letters and digits from the tax authority's register)" }
    }

    mutating func optionalCode(_ key: String) -> String? {
        guard document.value(at: key) != nil else { used.insert(key); return nil }
        return code(key)
    }

    mutating func bool(_ key: String) -> Bool? {
        guard let value = raw(key) else { return nil }
        guard case .boolean(let flag) = value else { fail(.wrongType, key, "expected true or false, found \(value.kind)"); return nil }
        return flag
    }

    mutating func integer(_ key: String, range: ClosedRange<Int>) -> Int? {
        guard let value = raw(key) else { return nil }
        guard case .integer(let number) = value else { fail(.wrongType, key, "expected a whole number, found \(value.kind)"); return nil }
        guard range.contains(number) else { fail(.invalidValue, key, "\(number) is outside \(range.lowerBound)…\(range.upperBound)"); return nil }
        return number
    }

    mutating func number(_ key: String) -> Double? {
        guard let value = raw(key) else { return nil }
        switch value {
        case .integer(let number): return Double(number)
        case .float(let text): return Double(text)
        default: fail(.wrongType, key, "expected a number, found \(value.kind)"); return nil
        }
    }

    mutating func decimal(_ key: String) -> ExactDecimal? {
        guard let value = raw(key) else { return nil }
        let text: String
        switch value {
        case .string(let s): text = s
        case .integer(let n): text = String(n)
        case .float(let s): text = s
        default: fail(.wrongType, key, "expected an amount such as \"0.00\", found \(value.kind)"); return nil
        }
        guard let amount = ExactDecimal(text), !amount.isNegative, amount.significantScale <= 2 else {
            fail(.invalidValue, key, "'\(text)' is not an amount: use a dot and at most two decimals, e.g. \"50.00\"")
            return nil
        }
        return amount
    }

    mutating func stringArray(_ key: String) -> [String]? {
        guard let value = raw(key) else { return nil }
        guard case .array(let items) = value else { fail(.wrongType, key, "expected a list such as [\"a.pem\"], found \(value.kind)"); return nil }
        var strings: [String] = []
        for item in items {
            guard case .string(let text) = item else { fail(.wrongType, key, "every entry must be a string in quotes"); return nil }
            strings.append(text)
        }
        return strings
    }

    mutating func path(_ key: String, base: String) -> String? {
        string(key).map { ConnectorConfiguration.resolve($0, base: base) }
    }

    mutating func optionalPath(_ key: String, base: String) -> String? {
        optionalString(key).map { ConnectorConfiguration.resolve($0, base: base) }
    }

    mutating func certificate(base: String) -> ConnectorConfiguration.CertificateSource {
        let file = path("certificate.file", base: base) ?? ""
        let variable = optionalString("certificate.password_env")
        let passwordFile = optionalString("certificate.password_file")
        if variable != nil, passwordFile != nil {
            fail(.conflicting, "certificate.password_file", "give either password_env or password_file, not both")
        }
        if passwordFile?.isEmpty == true { fail(.required, "certificate.password_file", "must not be empty: name the file holding the certificate password") }
        return .init(file: file, passwordEnvironmentVariable: variable ?? "FISCAL_CERT_PASSWORD",
                     passwordFile: passwordFile.flatMap { $0.isEmpty ? nil : ConnectorConfiguration.resolve($0, base: base) },
                     keyFile: optionalPath("certificate.key_file", base: base))
    }

    mutating func taxAuthority(base: String) -> ConnectorConfiguration.TaxAuthority {
        var environment = EFIEnvironment.test
        if let name = string("tax_authority.environment") {
            if let parsed = EFIEnvironment(rawValue: name) { environment = parsed } else { fail(.invalidValue, "tax_authority.environment", "'\(name)' is neither test nor production") }
        }
        let url = optionalString("tax_authority.url") ?? environment.serviceURL
        let lowered = url.lowercased()
        if !(lowered.hasPrefix("https://") || lowered.hasPrefix("http://")) || LoopbackAddress.host(ofURL: url) == nil {
            fail(.invalidValue, "tax_authority.url", "'\(url)' is not an http(s) URL with a host, e.g. https://efi.tax.gov.me/fs-v1")
        } else if environment == .production, lowered.hasPrefix("http://"), !LoopbackAddress.isLoopbackURL(url) {
            fail(.unsafe, "tax_authority.url", "'\(url)' is plain HTTP to another machine: production traffic must use https://, or plain http:// only to this machine (127.0.0.1, ::1 or localhost, e.g. a local TLS-terminating proxy)")
        }
        let certificates = (stringArray("tax_authority.response_certificates") ?? []).map { ConnectorConfiguration.resolve($0, base: base) }
        let timeout = number("tax_authority.timeout_seconds") ?? 5
        if !(timeout > 0 && timeout <= 120) { fail(.invalidValue, "tax_authority.timeout_seconds", "\(timeout) must be between 0 and 120 seconds") }
        return .init(environment: environment, url: url, caFile: optionalPath("tax_authority.ca_file", base: base),
                     responseCertificates: certificates, timeoutSeconds: timeout,
                     verifyResponses: bool("tax_authority.verify_responses") ?? !certificates.isEmpty)
    }

    mutating func api() -> ConnectorConfiguration.API {
        let listen = optionalString("api.listen") ?? "127.0.0.1:8745"
        var host = "127.0.0.1", port = 8745
        if let colon = listen.lastIndex(of: ":"), let parsed = Int(listen[listen.index(after: colon)...]), (0...65535).contains(parsed) {
            host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            port = parsed
        } else {
            fail(.invalidValue, "api.listen", "'\(listen)' is not host:port, e.g. 127.0.0.1:8745")
        }
        let allowRemote = bool("api.allow_remote") ?? false
        if !allowRemote, !["127.0.0.1", "localhost", "::1"].contains(host) {
            fail(.unsafe, "api.listen", "'\(listen)' would expose the API (plain HTTP, bearer token) beyond this machine: keep 127.0.0.1, or set allow_remote = true knowingly")
        }
        return .init(host: host, port: port, tokenEnvironmentVariable: optionalString("api.token_env") ?? "FISCAL_API_TOKEN", allowRemote: allowRemote)
    }

    /// `[vat]`: a period of rates over the built-in table.
    mutating func vatRates() -> VATRateTable {
        let from = date("vat.valid_from"), to = date("vat.valid_to")
        guard let values = raw("vat.rates") else {
            if from != nil || to != nil { fail(.required, "vat.rates", "is required with valid_from or valid_to: list the rates in force, e.g. rates = [\"21\", \"15\", \"7\", \"0\"]") }
            return .montenegro
        }
        guard case .array(let items) = values, !items.isEmpty else {
            fail(.wrongType, "vat.rates", "expected a list of rates such as [\"21\", \"15\", \"7\", \"0\"], found \(values.kind)")
            return .montenegro
        }
        var rates: [ExactDecimal] = []
        for item in items {
            let text: String? = switch item {
            case .string(let s), .float(let s): s
            case .integer(let n): String(n)
            default: nil
            }
            guard let text, let rate = ExactDecimal(text), !rate.isNegative, rate <= ExactDecimal(100), rate.significantScale <= 2 else {
                fail(.invalidValue, "vat.rates", "\(text.map { "'\($0)'" } ?? item.kind) is not a VAT rate: write percentages between 0 and 100 with at most two decimals, e.g. \"21\" or \"5.5\"")
                return .montenegro
            }
            rates.append(rate)
        }
        if let from, let to, to < from { fail(.invalidValue, "vat.valid_to", "\(to) is before valid_from \(from)") }
        return VATRateTable.montenegro.overridden(by: .init(rates: rates, validFrom: from, validTo: to))
    }

    /// A calendar day, `"2027-01-01"` or the TOML date `2027-01-01`.
    mutating func date(_ key: String) -> FiscalDate? {
        guard let value = raw(key) else { return nil }
        switch value {
        case .string(let text), .dateTime(let text):
            if let day = FiscalDate(text) { return day }
            fail(.invalidValue, key, "'\(text)' is not a day such as 2027-01-01")
        default:
            fail(.wrongType, key, "expected a day such as \"2027-01-01\", found \(value.kind)")
        }
        return nil
    }

    /// Unknown keys are errors: a typo must not silently fall back to a default.
    mutating func rejectUnknownKeys() {
        let tables = Set(used.compactMap { $0.split(separator: ".").first.map(String.init) }).sorted()
        for (table, value) in document.root {
            guard case .table(let entries) = value else {
                fail(.unknownKey, table, "unknown setting '\(table)' outside a [table]\(Self.hint(table, tables, "[", "]"))")
                continue
            }
            guard tables.contains(table) else {
                fail(.unknownKey, table, "unknown table [\(table)]\(Self.hint(table, tables, "[", "]"))")
                continue
            }
            let known = used.filter { $0.hasPrefix(table + ".") }.map { String($0.dropFirst(table.count + 1)) }.sorted()
            for key in entries.keys.sorted() where !used.contains("\(table).\(key)") {
                fail(.unknownKey, "\(table).\(key)", "unknown setting '\(key)' in [\(table)]\(Self.hint(key, known, "", ""))")
            }
        }
    }

    /// "; did you mean x?" for the nearest known name, else a pointer to the README.
    private static func hint(_ name: String, _ known: [String], _ open: String, _ close: String) -> String {
        guard let nearest = SpellingSuggestion.nearest(to: name, among: known) else { return "; check its spelling against the README" }
        return ": did you mean \(open)\(nearest)\(close)?"
    }
}
