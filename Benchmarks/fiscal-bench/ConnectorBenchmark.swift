import EFISimulator
import FiscalConnector
import FiscalCore
import Foundation
import MontenegroFiscal

/// The connector end to end: a real `fiscal-connector serve` process against the simulated tax
/// authority (in this process), both on 127.0.0.1.
enum ConnectorBenchmark {
    static let token = "benchmark-token"

    static func run() async throws {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let executable = folder.appendingPathComponent("fiscal-connector").path
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            print("fiscal-connector is not built beside fiscal-bench: run 'swift build -c release' first")
            exit(1)
        }
        let directory = NSTemporaryDirectory() + "fiscal-bench-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let ca = try CertificateFactory.mint(.init(organization: "Bench", commonName: "Bench CA"), isCA: true, password: "bench")
        let seal = try CertificateFactory.mint(.init(organization: "Bench DOO", organizationIdentifier: "VATME-12345678", commonName: "Seal"), issuer: ca, password: "bench")
        let authority = try CertificateFactory.mint(.init(organization: "UPC", organizationIdentifier: "VATME-11044760", commonName: "Service"), issuer: ca, password: "bench")
        try Data(seal.pkcs12).write(to: URL(fileURLWithPath: directory + "/seal.p12"))
        try Data(authority.certificate.pem.utf8).write(to: URL(fileURLWithPath: directory + "/ta.pem"))
        let licenseKey = Ed25519.PrivateKey.generate()
        try Data(licenseKey.publicKey.pem.utf8).write(to: URL(fileURLWithPath: directory + "/license.pub"))
        let today = FiscalDate(Date())
        let license = try License(keyID: licenseKey.publicKey.keyID, tin: "12345678", businessUnit: "xx123xx123", device: "si747we972",
                                  environments: ["test"], issued: today, expires: today.adding(days: 30)).token(signedWith: licenseKey)
        let simulator = TaxAuthoritySimulator(identity: authority.identity, trusted: [ca.certificate], requireInitialDeposit: false)
        let server = try await SimulatorServer.start(simulator)
        let config = """
            [taxpayer]
            tin = "12345678"
            name = "Bench DOO"
            [device]
            business_unit = "xx123xx123"
            tcr_code = "si747we972"
            software_code = "ss123ss123"
            operator_code = "oo123oo123"
            [certificate]
            file = "seal.p12"
            [tax_authority]
            environment = "test"
            url = "\(server.url)"
            response_certificates = ["ta.pem"]
            [api]
            listen = "127.0.0.1:0"
            [license]
            token = "\(license)"
            trusted_keys = ["license.pub"]
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: directory + "/connector.toml"))
        let environment = ["FISCAL_CERT_PASSWORD": "bench", "FISCAL_API_TOKEN": token, "PATH": "/usr/bin:/bin"]

        // What the connector cannot avoid: signing (two RSA signatures) and the simulator's own work.
        let signer = MessageSigner(identity: seal.identity)
        var signing: [Double] = [], simulating: [Double] = []
        for index in 0..<1000 {
            let invoice = sample(index)
            let start = DispatchTime.now()
            let signed = try signer.sign(invoice, header: MessageHeader(sentAt: FiscalTimestamp(Date())))
            signing.append(milliseconds(since: start))
            let body = Array(signed.message.soapEnvelope.utf8)
            let handled = DispatchTime.now()
            _ = await simulator.handle(body)
            simulating.append(milliseconds(since: handled))
        }

        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: executable)
        serve.arguments = ["serve", "--config", directory + "/connector.toml", "--log-level", "notice"]
        serve.environment = environment
        let log = Pipe()
        serve.standardError = log
        serve.standardOutput = FileHandle.nullDevice
        try serve.run()
        defer { serve.terminate() }
        let port = try waitForPort(log)
        let base = "http://127.0.0.1:\(port)/v1/invoices"
        try await Task.sleep(for: .milliseconds(500))
        let idleRSS = residentMegabytes(serve.processIdentifier)

        // Latency one request at a time, in three rounds of 500 (the median round is reported, so
        // one burst of noise on a shared machine does not decide the result).
        var rounds: [[Double]] = []
        for round in 0..<3 {
            var times: [Double] = []
            for index in 0..<500 {
                let start = DispatchTime.now()
                try await post(base, reference: "seq-\(round)-\(index)")
                times.append(milliseconds(since: start))
            }
            rounds.append(times)
        }
        let latencies = rounds.sorted { percentile($0, 99) < percentile($1, 99) }[1]
        // Throughput with 8 concurrent clients for 8 seconds, sampling memory.
        let deadline = Date().addingTimeInterval(8)
        let sampler = Task { () -> Double in
            var peak = 0.0
            while Date() < deadline {
                peak = max(peak, residentMegabytes(serve.processIdentifier))
                try? await Task.sleep(for: .milliseconds(200))
            }
            return peak
        }
        let started = Date()
        let loaded = try await withThrowingTaskGroup(of: [Double].self) { group in
            for client in 0..<8 {
                group.addTask {
                    var times: [Double] = []
                    var index = 0
                    while Date() < deadline {
                        let start = DispatchTime.now()
                        try await post(base, reference: "load-\(client)-\(index)")
                        times.append(milliseconds(since: start))
                        index += 1
                    }
                    return times
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let elapsed = Date().timeIntervalSince(started)
        let peakRSS = await sampler.value
        let afterRSS = residentMegabytes(serve.processIdentifier)
        serve.terminate()
        serve.waitUntilExit()

        // One `fiscalize` process per invoice, process start included.
        var invocations: [Double] = []
        for index in 0..<30 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["fiscalize", "--config", directory + "/connector.toml"]
            process.environment = environment
            let input = Pipe()
            process.standardInput = input
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            let start = DispatchTime.now()
            try process.run()
            input.fileHandleForWriting.write(requestBody(reference: "cli-\(index)"))
            try input.fileHandleForWriting.close()
            process.waitUntilExit()
            invocations.append(milliseconds(since: start))
        }
        await server.stop()

        // The unavoidable work per request at the same percentile: signing and the simulator's own handling.
        func floor(_ p: Double) -> Double { percentile(signing, p) + percentile(simulating, p) }
        func line(_ label: String, _ value: String) { print(label.padding(toLength: 46, withPad: " ", startingAt: 0) + value) }
        print("fiscal-bench connector: serve as its own process, simulator in the benchmark, 127.0.0.1, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        line("signing an invoice (2 RSA signatures)", String(format: "p50 %.2f ms, p99 %.2f ms", percentile(signing, 50), percentile(signing, 99)))
        line("simulator handling a request", String(format: "p50 %.2f ms, p99 %.2f ms", percentile(simulating, 50), percentile(simulating, 99)))
        line("HTTP API, one client", String(format: "p50 %.2f ms, p90 %.2f ms, p99 %.2f ms (median of 3 rounds; rounds' p99: %@)",
                                            percentile(latencies, 50), percentile(latencies, 90), percentile(latencies, 99),
                                            rounds.map { String(format: "%.1f", percentile($0, 99)) }.joined(separator: ", ")))
        line("connector's own share", String(format: "p50 %.2f ms, p99 %.2f ms over signing + simulator at the same percentile (target < 5 ms)",
                                                   percentile(latencies, 50) - floor(50), percentile(latencies, 99) - floor(99)))
        line("HTTP API, 8 clients", String(format: "%.0f invoices/s, p50 %.2f ms, p99 %.2f ms", Double(loaded.count) / elapsed, percentile(loaded, 50), percentile(loaded, 99)))
        line("fiscalize command, process start included", String(format: "median %.1f ms, p90 %.1f ms (target < 150 ms)", percentile(invocations, 50), percentile(invocations, 90)))
        line("serve resident memory", String(format: "idle %.1f MB (target < 60 MB), peak under load %.1f MB, after %.1f MB", idleRSS, peakRSS, afterRSS))
    }

    static func sample(_ index: Int) -> Invoice {
        Invoice(
            paymentKind: .noncash, issuedAt: FiscalTimestamp(Date()), ordinal: index + 1,
            device: DeviceCodes(businessUnit: "xx123xx123", tcr: "si747we972", software: "ss123ss123"), operatorCode: "oo123oo123",
            issuerInVAT: true, seller: Party(idNumber: "12345678", name: "Bench DOO"),
            items: [InvoiceItem(name: "Espresso", unit: "kom", quantity: 2, unitPrice: ExactDecimal("1.50")!, vatRate: 21),
                    InvoiceItem(name: "Kolač", unit: "kom", quantity: 1, unitPrice: ExactDecimal("2.50")!, vatRate: 21)],
            payments: [Payment(type: .account, amount: ExactDecimal("5.50")!)]
        )
    }

    static func requestBody(reference: String) -> Data {
        Data("""
            {"reference": "\(reference)", "invoice_type": "NONCASH",
             "items": [{"name": "Espresso", "unit": "kom", "quantity": 2, "unit_price": "1.50", "vat_rate": "21"},
                       {"name": "Kolač", "unit": "kom", "quantity": 1, "unit_price": "2.50", "vat_rate": "21"}],
             "payments": [{"type": "ACCOUNT", "amount": "5.50"}]}
            """.utf8)
    }

    /// Posts with libcurl on a thread of its own, as a lean POS client would.
    static func post(_ url: String, reference: String) async throws {
        let body = Array(requestBody(reference: reference))
        let result = await HTTPTransport.send(HTTPTransport.Request(
            url: url, headers: ["Authorization: Bearer \(token)", "Content-Type: application/json", "Expect:"], body: body, timeoutSeconds: 30))
        guard case .success(let answer) = result, answer.status == 200 else {
            throw CocoaError(.featureUnsupported, userInfo: [NSLocalizedDescriptionKey: "unexpected answer \(result)"])
        }
    }

    static func waitForPort(_ pipe: Pipe) throws -> Int {
        var text = ""
        for _ in 0..<200 {
            let chunk = pipe.fileHandleForReading.availableData
            text += String(decoding: chunk, as: UTF8.self)
            if let range = text.range(of: #"address=127\.0\.0\.1:(\d+)"#, options: .regularExpression),
               let port = Int(text[range].split(separator: ":").last ?? "") {
                return port
            }
            if chunk.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
        }
        throw CocoaError(.featureUnsupported, userInfo: [NSLocalizedDescriptionKey: "serve did not start: \(text)"])
    }

    static func residentMegabytes(_ pid: Int32) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes / 1024
    }

    static func milliseconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p / 100).rounded()))]
    }
}
