import FiscalCore
public import MontenegroFiscal

/// A small, fast, seedable generator (SplitMix64), so a failing random case can be replayed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator; equal seeds give equal sequences.
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random but valid invoices: any mix of rates, exemptions, rebates, quantities with up to three
/// decimals, gross or net prices, returns, issuers in and outside VAT, several payment methods.
public enum RandomInvoices {
    /// One random invoice; `items` caps the number of lines.
    public static func make(_ rng: inout SeededGenerator, ordinal: Int = 1, items maximumItems: Int = 30) -> Invoice {
        let inVAT = Int.random(in: 0..<5, using: &rng) != 0
        let gross = Bool.random(using: &rng)
        let isReturn = Int.random(in: 0..<6, using: &rng) == 0
        let count = Int.random(in: 1...maximumItems, using: &rng)
        var items: [InvoiceItem] = []
        for index in 0..<count {
            let quantity = decimal(Int.random(in: 1...50_000, using: &rng), scale: Int.random(in: 0...3, using: &rng))
            let price = decimal(Int.random(in: 1...2_000_000, using: &rng), scale: Int.random(in: 0...4, using: &rng))
            var item = InvoiceItem(name: "Artikal \(index) čšž", code: String(index), unit: ["kom", "kg", "l", "h"][index % 4],
                                   quantity: isReturn ? -quantity : quantity, unitPrice: price)
            if Int.random(in: 0..<4, using: &rng) == 0 {
                item.rebatePercent = decimal(Int.random(in: 0...10_000, using: &rng), scale: 2)
            }
            if inVAT {
                if Int.random(in: 0..<8, using: &rng) == 0 {
                    item.exemption = VATExemption.allCases.randomElement(using: &rng)
                } else {
                    item.vatRate = [0, 7, 15, 21].randomElement(using: &rng).map { ExactDecimal($0) }
                }
            }
            items.append(item)
        }
        var invoice = Invoice(
            kind: isReturn ? .corrective : (Int.random(in: 0..<8, using: &rng) == 0 ? .advance : .invoice),
            paymentKind: .cash, issuedAt: SampleInvoices.issuedAt, ordinal: ordinal, device: SampleInvoices.device,
            operatorCode: SampleInvoices.operatorCode, issuerInVAT: inVAT, seller: SampleInvoices.seller,
            pricesIncludeVAT: gross, items: items, payments: []
        )
        if isReturn {
            invoice.correction = CorrectionReference(original: InvoiceReference(iic: SampleInvoices.earlierIIC, issuedAt: SampleInvoices.earlierIssuedAt))
        }
        let total = InvoiceCalculator.calculate(invoice).totals.price
        invoice.paymentKind = Bool.random(using: &rng) ? .cash : .noncash
        invoice.payments = split(total, invoice.paymentKind, &rng)
        if invoice.paymentKind == .noncash && Bool.random(using: &rng) {
            invoice.buyer = SampleInvoices.buyer
        }
        return invoice
    }

    /// Splits `total` exactly over one to four payment methods allowed for `kind`.
    static func split(_ total: ExactDecimal, _ kind: PaymentKind, _ rng: inout SeededGenerator) -> [Payment] {
        let methods: [PaymentMethodType] = kind == .cash
            ? [[.banknote], [.card, .banknote], [.otherCash, .order], [.banknote, .card, .order]].randomElement(using: &rng)!
            : [[.account], [.businessCard, .account], [.factoring], [.other, .order, .account]].randomElement(using: &rng)!
        var remaining = total
        var payments: [Payment] = []
        for method in methods.dropLast() {
            let part = total.divided(by: ExactDecimal(methods.count), decimals: 2)
            payments.append(Payment(type: method, amount: part))
            remaining = remaining - part
        }
        payments.append(Payment(type: methods.last!, amount: remaining))
        return payments
    }

    static func decimal(_ digits: Int, scale: Int) -> ExactDecimal {
        ExactDecimal(significand: Int128(digits), scale: scale)
    }
}
