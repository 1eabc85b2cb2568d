// Benchmarks that print numbers (never timed tests).
//
//     swift run -c release fiscal-bench [rounds]        signing: invoices per second on one core
//                                                       (build + validate + IIC + XML-DSig) next to
//                                                       `openssl speed rsa2048` signs/s ÷ 2
//     swift build -c release && swift run -c release fiscal-bench connector
//                                                       the connector: HTTP API throughput and latency
//                                                       against the local simulator, `fiscalize` process
//                                                       time, resident memory of `serve`

import FiscalCore
import Foundation
import MontenegroFiscal

let mode = CommandLine.arguments.dropFirst().first ?? ""
let seconds = Double(mode) ?? 9
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
let identity = try SigningIdentity(contentsOf: root + "/Certificates/taxpayer-modern.p12", password: "test1234")

func decimal(_ text: String) -> ExactDecimal { ExactDecimal(text)! }

/// A typical till receipt: five lines, two VAT rates, a rebate, two payment methods.
func invoice(_ ordinal: Int) -> Invoice {
    Invoice(
        paymentKind: .cash, issuedAt: FiscalTimestamp(Date()), ordinal: ordinal,
        device: DeviceCodes(businessUnit: "xx123xx123", tcr: "si747we972", software: "ss123ss123"),
        operatorCode: "oo123oo123", issuerInVAT: true,
        seller: Party(idNumber: "12345678", name: "Test DOO", address: "Ulica 1", town: "Podgorica", country: "MNE"),
        items: [
            InvoiceItem(name: "Espresso", code: "001", unit: "kom", quantity: 2, unitPrice: decimal("1.50"), vatRate: 21),
            InvoiceItem(name: "Kolač", code: "002", unit: "kom", quantity: 1, unitPrice: decimal("2.50"), vatRate: 21),
            InvoiceItem(name: "Voda 0.5l", code: "003", unit: "kom", quantity: 3, unitPrice: decimal("1.20"), vatRate: 21),
            InvoiceItem(name: "Novine", code: "004", unit: "kom", quantity: 1, unitPrice: decimal("1.00"), vatRate: 7),
            InvoiceItem(name: "Sendvič", code: "005", unit: "kom", quantity: decimal("1.5"), unitPrice: decimal("3.40"), rebatePercent: 10, vatRate: 21),
        ],
        payments: [Payment(type: .card, amount: decimal("5.00")), Payment(type: .banknote, amount: decimal("9.69"))]
    )
}

/// CPU time of this process (user + system), in seconds. `openssl speed` divides by CPU time
/// too, so both rates exclude time the virtual machine spent on other guests.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// Signs invoices for `duration` seconds; returns invoices per CPU second and the message size.
func signingRate(checksSchema: Bool, duration: Double) throws -> (rate: Double, bytes: Int) {
    let signer = MessageSigner(identity: identity, checksSchema: checksSchema)
    var count = 0
    var bytes = 0
    let cpuStart = cpuSeconds()
    let start = Date()
    while Date().timeIntervalSince(start) < duration {
        for _ in 0..<25 {
            count += 1
            let signed = try signer.sign(invoice(count), header: MessageHeader(sentAt: FiscalTimestamp(Date())))
            bytes = signed.message.xml.utf8.count
        }
    }
    return (Double(count) / (cpuSeconds() - cpuStart), bytes)
}

/// `openssl speed rsa2048` on one core: the "sign/s" column.
func opensslSpeed(seconds: Int) -> Double? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["openssl", "speed", "-seconds", String(seconds), "rsa2048"]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    // "rsa 2048 bits 0.000631s 0.000019s   1584.9  52631.6"
    guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("rsa 2048 bits") }) else { return nil }
    let columns = line.split(separator: " ").filter { !$0.isEmpty }
    return columns.count >= 6 ? Double(columns[5]) : nil
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}

func label(_ text: String) -> String { text.padding(toLength: 40, withPad: " ", startingAt: 0) }

if mode == "connector" {
    try await ConnectorBenchmark.run()
} else {
    try runSigningBenchmark()
}

func runSigningBenchmark() throws {
    // CPU speed drifts on shared machines, so the signing runs and `openssl speed` alternate in short
    // rounds and each round's ratio is taken against the RSA rate measured right beside it; both
    // count CPU time, not wall time.
    let rounds = max(3, Int(seconds))
    print("fiscal-bench: one thread, \(rounds) alternating rounds, \(ProcessInfo.processInfo.activeProcessorCount) cores present")
    var plain: [Double] = [], checked: [Double] = [], speeds: [Double] = [], ratios: [Double] = [], checkedRatios: [Double] = []
    var size = 0
    _ = try signingRate(checksSchema: true, duration: 0.3) // warm up: schema compile, allocator
    for _ in 0..<rounds {
        let a = try signingRate(checksSchema: false, duration: 1)
        guard let speed = opensslSpeed(seconds: 1) else {
            print("openssl is not installed: cannot measure the RSA limit")
            exit(1)
        }
        let b = try signingRate(checksSchema: true, duration: 1)
        size = a.bytes
        plain.append(a.rate); checked.append(b.rate); speeds.append(speed)
        ratios.append(a.rate / (speed / 2)); checkedRatios.append(b.rate / (speed / 2))
    }
    print(label("sign (validate, IIC, XML-DSig)") + String(format: "%8.0f invoices/s  (median; %d-byte messages)", median(plain), size))
    print(label("sign + XSD check of every message") + String(format: "%8.0f invoices/s  (median)", median(checked)))
    print(label("openssl speed rsa2048") + String(format: "%8.0f signs/s     -> limit %.0f invoices/s (2 signatures each)", median(speeds), median(speeds) / 2))
    print(String(format: "result: %.1f %% of the RSA limit (median of per-round ratios; target >= 85 %%); with XSD check %.1f %%",
                 median(ratios) * 100, median(checkedRatios) * 100))
    print("rounds: " + ratios.map { String(format: "%.1f%%", $0 * 100) }.joined(separator: " "))
}
