import Foundation
import FiscalCore
import MontenegroFiscal

extension Connector {
    /// Completes the references of a request from the journal: an invoice this connector issued
    /// needs only its IIC (its issue time and amount are filled in, or checked when given), and a
    /// SUMMARY or PERIODICAL document without items gets its VAT groups summed from the invoices it
    /// references (or checked when given). References to invoices issued elsewhere stay as given.
    func completingReferences(_ request: InvoiceRequest) async throws -> InvoiceRequest {
        guard let references = request.references, !references.isEmpty else { return request }
        let environment = configuration.taxAuthority.environment.rawValue
        let issued = try await journal.invoices(iics: references.map { $0.iic.uppercased() }, environment: environment)
        var completed = request
        var issues: [ValidationIssue] = []
        var referencedInvoices: [Invoice] = []
        let kind = request.kind.flatMap { InvoiceKind(rawValue: $0.uppercased()) } ?? .invoice
        for (index, reference) in references.enumerated() {
            let path = "references[\(index)]"
            guard let entry = issued[reference.iic.uppercased()] else { continue }
            let document = entry.document
            if entry.state == .rejected {
                issues.append(ValidationIssue(.notAllowed, field: "\(path).iic", "the invoice \(reference.iic) (\(document.reference)) was refused by the tax authority and cannot be referenced"))
                continue
            }
            if let given = reference.issuedAt, FiscalTimestamp(given)?.date != FiscalTimestamp(document.issuedAt)?.date {
                issues.append(ValidationIssue(.referenceMismatch, field: "\(path).issued_at", "'\(given)' is not when the invoice \(document.reference) was issued (\(document.issuedAt)): leave issued_at out and the connector fills it in"))
            }
            if let given = reference.amount, given.formatted(2) != document.total {
                issues.append(ValidationIssue(.referenceMismatch, field: "\(path).amount", "\(given.formatted(2)) is not the total of the invoice \(document.reference) (\(document.total)): leave amount out and the connector fills it in"))
            }
            completed.references?[index].issuedAt = document.issuedAt
            completed.references?[index].amount = ExactDecimal(document.total) ?? reference.amount
            guard let invoice = try? JSONDecoder().decode(Invoice.self, from: Data(document.payload.utf8)) else {
                issues.append(ValidationIssue(.referenceMismatch, field: "\(path).iic", "the journal's copy of the invoice \(document.reference) cannot be read: give its issue time, amount and the tax_groups"))
                continue
            }
            if kind == .summary, !invoice.payments.contains(where: { $0.type == .order }) {
                issues.append(ValidationIssue(.notAllowed, field: "\(path).iic", "the invoice \(document.reference) was not an ORDER invoice (paid by \(invoice.payments.map(\.type.rawValue).joined(separator: ", "))): a SUMMARY settles invoices issued with payment type ORDER"))
            }
            if [.summary, .periodical].contains(kind), [.summary, .periodical].contains(invoice.kind) {
                issues.append(ValidationIssue(.notAllowed, field: "\(path).iic", "the invoice \(document.reference) is itself a \(invoice.kind.rawValue): a \(kind.rawValue) references the invoices it sums, not other summaries"))
            }
            referencedInvoices.append(invoice)
        }
        // The groups can be derived only when every referenced invoice is in the journal.
        if [.summary, .periodical].contains(kind), (request.items ?? []).isEmpty, referencedInvoices.count == references.count, issues.isEmpty {
            let derived = ReferencedAmounts.taxGroups(summing: referencedInvoices).map {
                InvoiceRequest.TaxGroupInput(count: ExactDecimal($0.count), priceBeforeVAT: $0.priceBeforeVAT.rounded(2), vatRate: $0.vatRate,
                                             exemption: $0.exemption?.rawValue, vatAmount: $0.vatAmount.rounded(2))
            }
            if let given = request.taxGroups, !given.isEmpty {
                if let problem = Self.taxGroupDifference(given: given, derived: derived) {
                    issues.append(ValidationIssue(.referenceMismatch, field: "tax_groups", "\(problem): leave tax_groups out and the connector sums the referenced invoices"))
                }
            } else {
                completed.taxGroups = derived
            }
        }
        if !issues.isEmpty { throw ValidationError(issues) }
        return completed
    }

    /// What differs between given and derived VAT groups (matched by rate or exemption), or nil.
    private static func taxGroupDifference(given: [InvoiceRequest.TaxGroupInput], derived: [InvoiceRequest.TaxGroupInput]) -> String? {
        func key(_ group: InvoiceRequest.TaxGroupInput) -> String { group.exemption?.uppercased() ?? group.vatRate.map { "\($0.normalized)%" } ?? "no VAT" }
        func text(_ group: InvoiceRequest.TaxGroupInput) -> String {
            "\(group.count) invoice(s), base \(group.priceBeforeVAT.formatted(2)), VAT \((group.vatAmount ?? .zero).formatted(2))"
        }
        let expected = Dictionary(derived.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        let actual = Dictionary(given.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        for (rate, group) in expected {
            guard let other = actual[rate] else { return "the referenced invoices have a \(rate) group (\(text(group))) that tax_groups lacks" }
            if other.count != group.count || other.priceBeforeVAT != group.priceBeforeVAT || (other.vatAmount ?? .zero) != (group.vatAmount ?? .zero) {
                return "the \(rate) group is \(text(other)), but the referenced invoices sum to \(text(group))"
            }
        }
        if let extra = actual.keys.first(where: { expected[$0] == nil }) {
            return "tax_groups has a \(extra) group that none of the referenced invoices has"
        }
        return nil
    }
}
