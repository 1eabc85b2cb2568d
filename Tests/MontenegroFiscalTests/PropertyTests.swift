import FiscalCore
import FiscalTesting
import Foundation
@testable import MontenegroFiscal
import Testing

/// Random invoices: amounts always consistent, messages always schema-valid and verifiable.
@Suite struct PropertyTests {
    static let seeds: [UInt64] = [1, 2, 3, 4]
    static let perSeed = 100

    @Test(arguments: seeds)
    func totalsAreAlwaysConsistent(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        for index in 0..<Self.perSeed {
            let invoice = RandomInvoices.make(&rng, ordinal: index + 1)
            let found = InvoiceValidator.issues(in: invoice, certificateTIN: TIN("12345678"))
            #expect(found.isEmpty, "seed \(seed) #\(index): \(found)")
            let amounts = InvoiceCalculator.calculate(invoice)
            let t = amounts.totals
            // Totals are the rounded groups; they stay within a cent per group of the exact line sums.
            let groups = max(1, amounts.sameTaxes.count)
            let perGroup = ExactDecimal(significand: 11, scale: 3) * ExactDecimal(groups)
            #expect((t.price - amounts.lines.map(\.price).sum()).magnitude <= perGroup, "seed \(seed) #\(index)")
            #expect((t.priceWithoutVAT - amounts.lines.map(\.priceBeforeVAT).sum()).magnitude <= perGroup)
            #expect(t.price.rounded(2) == t.price && t.priceWithoutVAT.rounded(2) == t.priceWithoutVAT)
            #expect(invoice.payments.map(\.amount).sum() == t.price)
            let centTolerance = ExactDecimal(significand: 1, scale: 2)
            for line in amounts.lines {
                let q = line.item.quantity
                #expect(line.price == line.priceBeforeVAT + (line.vatAmount ?? .zero))
                // UPA is PA / Q to 4 decimals.
                #expect((line.unitPriceAfterVAT * q - line.price).magnitude <= ExactDecimal(significand: 5, scale: 5) * q.magnitude)
                #expect(!line.unitPriceBeforeVAT.isNegative && !line.unitPriceAfterVAT.isNegative)
                #expect(line.price.isNegative == q.isNegative || line.price.isZero)
                if let rate = line.vatRate, let vat = line.vatAmount {
                    #expect((vat - line.priceBeforeVAT * rate * ExactDecimal(significand: 1, scale: 2)).magnitude <= ExactDecimal(significand: 1, scale: 4))
                }
            }
            if invoice.issuerInVAT {
                for group in amounts.sameTaxes {
                    // The spec's tolerance: a group's VAT within a cent of its base × rate.
                    #expect((group.vatAmount - group.priceBeforeVAT * group.vatRate * ExactDecimal(significand: 1, scale: 2)).magnitude <= centTolerance, "seed \(seed) #\(index) \(group)")
                    #expect(group.priceBeforeVAT.rounded(2) == group.priceBeforeVAT && group.vatAmount.rounded(2) == group.vatAmount)
                }
                #expect(amounts.sameTaxes.map(\.priceBeforeVAT).sum() == t.priceWithoutVAT)
                #expect(amounts.sameTaxes.map(\.vatAmount).sum() == t.vatAmount)
                #expect(amounts.sameTaxes.map(\.count).reduce(0, +) == invoice.items.count)
                #expect(t.priceWithoutVAT + (t.vatAmount ?? .zero) == t.price)
            } else {
                #expect(amounts.sameTaxes.isEmpty && t.vatAmount == nil && t.taxFreeAmount == t.price)
            }
        }
    }

    @Test(arguments: seeds)
    func signedMessagesAreAlwaysSchemaValidAndVerify(seed: UInt64) async throws {
        var rng = SeededGenerator(seed: seed &+ 1000)
        let signer = MessageSigner(identity: TestMaterial.taxpayer, checksSchema: false)
        for index in 0..<Self.perSeed / 2 {
            let invoice = RandomInvoices.make(&rng, ordinal: index + 1)
            let signed = try signer.sign(invoice, header: MessageHeader(sentAt: SampleInvoices.issuedAt))
            let problems = SchemaValidator.shared.problems(in: signed.message.xml)
            #expect(problems.isEmpty, "seed \(seed) #\(index): \(problems)")
            #expect(SignatureVerifier.verify(signed.message.soapEnvelope, trusting: [TestMaterial.rootCA], at: SampleInvoices.issuedAt.date).isValid)
            if index % 25 == 0 {
                let run = try await ExternalTools.xmlsecVerify(signed.message.soapEnvelope, rootElement: "RegisterInvoiceRequest", trustedPEM: TestMaterial.certificate("test-root-ca.pem"))
                if run.status != 127 || ExternalTools.required { #expect(run.status == 0, "\(run.output)") }
            }
        }
    }

    @Test func largestInvoiceStaysValid() throws {
        var rng = SeededGenerator(seed: 99)
        var invoice = RandomInvoices.make(&rng, items: 1)
        invoice.items = (0..<1000).map { InvoiceItem(name: "Stavka \($0)", unit: "kom", quantity: ExactDecimal($0 % 7 + 1), unitPrice: ExactDecimal(significand: Int128(100 + $0), scale: 2), vatRate: invoice.issuerInVAT ? [0, 7, 21].map { ExactDecimal($0) }[$0 % 3] : nil) }
        let total = InvoiceCalculator.calculate(invoice).totals.price
        invoice.paymentKind = .cash
        invoice.payments = [Payment(type: .banknote, amount: total)]
        let signed = try MessageSigner(identity: TestMaterial.taxpayer).sign(invoice, header: MessageHeader(sentAt: SampleInvoices.issuedAt))
        #expect(signed.amounts.lines.count == 1000)
        #expect(SignatureVerifier.verify(signed.message.xml, trusting: [TestMaterial.rootCA], at: SampleInvoices.issuedAt.date).isValid)
    }
}
