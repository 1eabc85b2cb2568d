import EFISimulator
import FiscalConnector
import FiscalCore
import FiscalTesting
import Foundation
import Testing

/// Every example README.md shows runs as shown: the invoices (JSON, text, CSV) are fiscalized
/// with the README's `connector.toml` against the simulator, the result example has the keys of
/// a real result, and every command line names commands and options that exist.
@Suite struct ReadmeExampleTests {
    /// A fenced block of README.md.
    struct Block {
        let language: String
        let text: String
        let line: Int
    }

    static func blocks() throws -> [Block] {
        let lines = try TestMaterial.text(TestMaterial.packageRoot + "/README.md").components(separatedBy: "\n")
        var blocks: [Block] = []
        var open: (language: String, line: Int, body: [String])?
        for (index, line) in lines.enumerated() {
            if line.hasPrefix("```") {
                if let current = open {
                    blocks.append(Block(language: current.language, text: current.body.joined(separator: "\n") + "\n", line: current.line))
                    open = nil
                } else {
                    open = (String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces), index + 1, [])
                }
            } else {
                open?.body.append(line)
            }
        }
        return blocks
    }

    static func object(_ block: Block) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(block.text.utf8))) as? [String: Any]
    }

    @Test func everyFencedBlockIsOfAKnownKind() throws {
        let blocks = try Self.blocks()
        for block in blocks {
            #expect(["json", "text", "csv", "toml", "sh", ""].contains(block.language), "README.md line \(block.line): unknown block language '\(block.language)'")
            if block.language == "json" { #expect(Self.object(block) != nil, "README.md line \(block.line): the JSON example does not parse") }
        }
        #expect(blocks.filter { $0.language == "toml" }.count == 1)
    }

    @Test func theInvoiceExamplesAreFiscalizedWithTheExampleConfiguration() async throws {
        let blocks = try Self.blocks()
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        // The files the example configuration names, provided here; its license token (issued for
        // each device) and endpoint (the real test service) are the two values the test replaces.
        let toml = try #require(blocks.first { $0.language == "toml" })
        for (name, source) in [("seal.p12", "taxpayer-modern.p12"), ("root-ca.pem", "test-root-ca.pem"), ("ta.pem", "tax-authority.pem")] {
            try FileManager.default.copyItem(atPath: TestMaterial.certificate(source), toPath: harness.directory + "/" + name)
        }
        let text = toml.text.components(separatedBy: "\n").map { line in
            if line.hasPrefix("token = ") { return "token = \"\(harness.license())\"" }
            if line.hasPrefix("url = ") { return "url = \"\(harness.server.url)\"" }
            return line
        }.joined(separator: "\n")
        #expect(text != toml.text)
        let path = try harness.writeConfiguration(text)
        let configuration = try ConnectorConfiguration.load(path: path)
        #expect(configuration.certificate.file.hasSuffix("/seal.p12") && configuration.taxAuthority.responseCertificates.count == 1)
        let connector = try Connector(configuration: configuration, environment: harness.environment)

        var fiscalized: [String: FiscalizationResult] = [:]
        for block in blocks {
            let format: InvoiceInput.Format
            switch block.language {
            case "json" where Self.object(block)?["items"] != nil: format = .json
            case "text": format = .text
            case "csv": format = .csv
            default: continue
            }
            let request = try InvoiceInput.parse(Data(block.text.utf8), format: format, encoding: .utf8)
            let result = await connector.fiscalize(request)
            #expect(result.status == .fiscalized && result.fic != nil, "README.md line \(block.line) (\(block.language)): \(result.error?.message ?? "\(result)")")
            fiscalized[block.language] = result
        }
        #expect(Set(fiscalized.keys) == ["json", "text", "csv"], "one invoice example of each format")

        // The result example shows the keys a real result of the JSON example has, and no others.
        let example = try #require(blocks.compactMap(Self.object).first { $0["status"] != nil })
        let real = try #require(fiscalized["json"])
        let encoded = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(real)) as? [String: Any])
        #expect(Set(example.keys) == Set(encoded.keys), "README result keys \(example.keys.sorted()) vs real \(encoded.keys.sorted())")
        #expect(example["status"] as? String == real.status.rawValue && example["reference"] as? String == real.reference)
        #expect((example["qr_url"] as? String)?.hasPrefix(String(real.qrURL?.prefix(while: { $0 != "?" }) ?? "")) == true, "the QR URL's address")
    }

    @Test func everyCommandLineNamesRealCommandsAndOptions() async throws {
        var lines: [(text: String, line: Int)] = []
        for block in try Self.blocks() where block.language == "sh" {
            lines += block.text.components(separatedBy: "\n").map { ($0, block.line) }
        }
        // The command table of "Command line": its first column, `fiscal-connector` implied.
        let readme = try TestMaterial.text(TestMaterial.packageRoot + "/README.md")
        let table = readme.components(separatedBy: "\n").drop { !$0.hasPrefix("| command |") }.prefix { $0.hasPrefix("|") }
        for row in table.dropFirst(2) {
            let cell = row.replacingOccurrences(of: "\\|", with: "¦").split(separator: "|").first ?? ""
            for code in cell.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter({ $0.offset % 2 == 1 }).map(\.element) {
                lines.append(("fiscal-connector " + code.replacingOccurrences(of: "¦", with: "|"), 0))
            }
        }
        var checked = 0
        for (text, line) in lines {
            // Leading VARIABLE=value assignments, then `swift run`.
            var words = Array(Self.words(text).drop { $0.range(of: #"^[A-Z_]+="#, options: .regularExpression) != nil })
            if words.starts(with: ["swift", "run"]) { words.removeFirst(2) }
            guard let tool = words.first, ["fiscal-connector", "fiscal-admin"].contains(tool) else { continue }
            guard let executable = ExternalTools.built(tool) else {
                #expect(!ExternalTools.required, "\(tool) was not built")
                return
            }
            let path = Array(words.dropFirst().prefix { $0.range(of: #"^[a-z][a-z0-9-]*$"#, options: .regularExpression) != nil })
            let help = try await ExternalTools.run(executable: executable, path + ["--help"])
            #expect(help.status == 0, "README.md line \(line): '\(tool) \(path.joined(separator: " "))' is not a command: \(help.output)")
            let options = text.matches(of: /--[a-z][a-z0-9-]*/).map { String($0.output) }
            for option in options where help.standardOutput.range(of: option + "(?![a-z0-9-])", options: .regularExpression) == nil {
                Issue.record("README.md line \(line): '\(tool) \(path.joined(separator: " "))' has no option \(option)")
            }
            checked += 1
        }
        #expect(checked >= 20, "the README's command lines were found (\(checked))")
    }

    /// A command line's words, as a shell splits them (quotes group, and are removed).
    static func words(_ line: String) -> [String] {
        var words: [String] = [], current = "", quote: Character?
        for character in line {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == " " {
                if !current.isEmpty { words.append(current) }
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }
}
