public import FiscalCore
public import Foundation
public import MontenegroFiscal

extension Connector {
    /// One offline-delivery archive.
    public struct OfflineArchive: Sendable {
        /// File name: `<yyyyMMddHHmmss>_<TCRCode>_request.zip` (with `_2`, `_3` … when split at 15 MB).
        public let name: String
        /// The ZIP bytes.
        public let data: Data
        /// Documents inside.
        public let count: Int
    }

    /// The offline-delivery files of the specification: each pending document signed again with
    /// `SubseqDelivType` (default NOINTERNET), as `<yyyyMMddHHmmss>_<TCRCode>_<IIC>_request.xml`
    /// holding only the request element, zipped (at most 15 MB per archive). Deposits are named
    /// with their message UUID instead of an IIC.
    public func offlineDeliveryArchives(reason: SubsequentDeliveryType = .noInternet) async throws -> [OfflineArchive] {
        let now = clock()
        let stamp = Self.compactTimestamp(now)
        let tcr = configuration.device.tcr
        let limit = 15 * 1024 * 1024
        var archives: [OfflineArchive] = []
        var zip = ZipArchive()
        var inZip = 0
        func close() {
            guard inZip > 0 else { return }
            let suffix = archives.isEmpty ? "" : "_\(archives.count + 1)"
            archives.append(OfflineArchive(name: "\(stamp)_\(tcr)_request\(suffix).zip", data: zip.finish(), count: inZip))
            zip = ZipArchive()
            inZip = 0
        }
        for entry in try await journal.pending(environment: configuration.taxAuthority.environment.rawValue) {
            let message = try resign(entry.document, reason: reason)
            let identifier = entry.document.iic ?? message.header.uuid
            let issued = FiscalTimestamp(entry.document.issuedAt).map { Self.compactTimestamp($0.date) } ?? stamp
            let contents = Array(message.document.utf8)
            if zip.size + contents.count + 200 > limit { close() }
            zip.add(name: "\(issued)_\(tcr)_\(identifier)_request.xml", contents: contents, modified: now)
            inZip += 1
        }
        close()
        return archives
    }

    static func compactTimestamp(_ date: Date) -> String {
        let text = FiscalTimestamp(date).text // 2026-11-21T10:15:00+01:00, Montenegro's local time
        return String(text.prefix(19).filter(\.isNumber))
    }

    /// The daily summary of one TCR: invoices by state and payment method, VAT per rate, deposits.
    public func dailyReport(day: FiscalDate) async throws -> DailyReport {
        let entries = try await journal.entries(day: day.description, limit: Int.max)
        var report = DailyReport(day: day.description, tcr: configuration.device.tcr, environment: configuration.taxAuthority.environment.rawValue)
        var byPayment: [String: ExactDecimal] = [:]
        var byRate: [String: (base: ExactDecimal, vat: ExactDecimal)] = [:]
        var total = ExactDecimal.zero
        for entry in entries.reversed() {
            let document = entry.document
            switch document.kind {
            case "invoice":
                report.invoices += 1
                switch entry.state {
                case .fiscalized: report.fiscalized += 1
                case .pending: report.pending += 1
                case .rejected: report.rejected += 1; continue
                }
                if let ordinal = document.ordinal {
                    report.firstOrdinal = min(report.firstOrdinal ?? ordinal, ordinal)
                    report.lastOrdinal = max(report.lastOrdinal ?? ordinal, ordinal)
                }
                total += ExactDecimal(document.total) ?? .zero
                guard let invoice = try? JSONDecoder().decode(Invoice.self, from: Data(document.payload.utf8)) else { continue }
                for payment in invoice.payments { byPayment[payment.type.rawValue, default: .zero] += payment.amount }
                for group in InvoiceCalculator.calculate(invoice).sameTaxes {
                    let key = group.exemption?.rawValue ?? group.vatRate.formatted(2)
                    let current = byRate[key] ?? (.zero, .zero)
                    byRate[key] = (current.base + group.priceBeforeVAT, current.vat + group.vatAmount)
                }
            case "deposit":
                guard entry.state != .rejected else { continue }
                let amount = ExactDecimal(document.total) ?? .zero
                if document.operation == "INITIAL" { report.initialDeposit = amount.formatted(2) } else { report.withdrawn = ((ExactDecimal(report.withdrawn) ?? .zero) + amount).formatted(2) }
            default:
                break
            }
        }
        report.total = total.formatted(2)
        report.byPaymentMethod = byPayment.mapValues { $0.formatted(2) }
        report.vat = byRate.keys.sorted().map { DailyReport.VATLine(rate: $0, base: byRate[$0]!.base.formatted(2), vat: byRate[$0]!.vat.formatted(2)) }
        let cashIn = [PaymentMethodType.banknote.rawValue].compactMap { byPayment[$0] }.sum()
        report.cashInDrawer = ((ExactDecimal(report.initialDeposit ?? "0") ?? .zero) + cashIn - (ExactDecimal(report.withdrawn) ?? .zero)).formatted(2)
        return report
    }
}

/// One TCR's day in numbers.
public struct DailyReport: Sendable, Codable, Equatable {
    /// One VAT rate or exemption.
    public struct VATLine: Sendable, Codable, Equatable {
        public var rate: String
        public var base: String
        public var vat: String

        /// Creates a line.
        public init(rate: String, base: String, vat: String) {
            self.rate = rate
            self.base = base
            self.vat = vat
        }
    }

    public var day: String
    public var tcr: String
    public var environment: String
    public var invoices = 0
    public var fiscalized = 0
    public var pending = 0
    public var rejected = 0
    public var firstOrdinal: Int?
    public var lastOrdinal: Int?
    public var total = "0.00"
    public var byPaymentMethod: [String: String] = [:]
    public var vat: [VATLine] = []
    public var initialDeposit: String?
    public var withdrawn = "0.00"
    /// INITIAL + banknotes − withdrawals.
    public var cashInDrawer = "0.00"

    init(day: String, tcr: String, environment: String) {
        self.day = day
        self.tcr = tcr
        self.environment = environment
    }

    enum CodingKeys: String, CodingKey {
        case day, tcr = "tcr_code", environment, invoices, fiscalized, pending, rejected, firstOrdinal = "first_ordinal"
        case lastOrdinal = "last_ordinal", total, byPaymentMethod = "by_payment_method", vat, initialDeposit = "initial_deposit"
        case withdrawn, cashInDrawer = "cash_in_drawer"
    }
}
