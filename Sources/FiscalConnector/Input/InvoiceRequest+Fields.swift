import FiscalCore
import Foundation
import MontenegroFiscal

/// The field names an invoice request knows, so that a misspelt one (`discount_percnt`) is
/// refused with the intended name instead of being ignored.
extension InvoiceRequest {
    /// The fields of each object: `""` for the invoice, else the invoice field holding it.
    static let fieldNames: [String: [String]] = [
        "": names(CodingKeys.self),
        "seller": names(PartyInput.CodingKeys.self), "buyer": names(PartyInput.CodingKeys.self),
        "items": names(ItemInput.CodingKeys.self), "tax_groups": names(TaxGroupInput.CodingKeys.self),
        "payments": names(PaymentInput.CodingKeys.self), "fees": names(FeeInput.CodingKeys.self),
        "corrects": names(CorrectionInput.CodingKeys.self), "references": names(ReferenceInput.CodingKeys.self),
        "approvals": names(ApprovalInput.CodingKeys.self), "bad_debt": names(InvoiceReferenceInput.CodingKeys.self),
        "currency": names(CurrencyInput.CodingKeys.self),
    ]

    private static func names<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type) -> [String] {
        keys.allCases.map(\.stringValue)
    }

    /// The object whose fields a key at `path` belongs to: `""` at the top, `items` for
    /// `items[0]`, `buyer` for `buyer`; `nil` deeper, where no object is expected.
    static func container(of path: [InvoiceInput.PathPart]) -> String? {
        switch path.count {
        case 0: return ""
        case 1, 2:
            guard case .key(let name) = path[0], fieldNames[name] != nil else { return nil }
            if path.count == 2, case .key = path[1] { return nil }
            return name
        default: return nil
        }
    }

    /// Why `key` is not a field of `container`, and the fix; `nil` when it is one (or the
    /// container is unknown, which the decoder reports as a wrong type). `spell` writes a field
    /// name as the input format does (`DiscountPercent` in text).
    static func unknownField(_ key: String, in container: String, spell: (String) -> String = { $0 }) -> String? {
        guard let known = fieldNames[container], !known.contains(key) else { return nil }
        if let nearest = SpellingSuggestion.nearest(to: key, among: known) {
            return "did you mean \(spell(nearest))?"
        }
        if let owner = fieldNames.keys.sorted().first(where: { $0 != container && fieldNames[$0]!.contains(key) }) {
            return "\(spell(key)) is a field of \(owner.isEmpty ? "the invoice" : owner), not of \(container.isEmpty ? "the invoice" : container)"
        }
        return "the fields of \(container.isEmpty ? "the invoice" : container) are \(known.map(spell).joined(separator: ", "))"
    }

    /// Unknown and repeated keys of a JSON request, each naming its path.
    static func keyIssues(json data: Data) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        for (path, key, repeated) in ExactJSON.keys(in: data) {
            let field = InvoiceInput.render(path + [.key(key)])
            if repeated {
                issues.append(ValidationIssue(.duplicate, field: field, "'\(key)' is given twice in the same object: keep one"))
            } else if let container = container(of: path), let fix = unknownField(key, in: container) {
                issues.append(ValidationIssue(.unknownField, field: field, "'\(key)' is not a field: \(fix)"))
            }
        }
        return issues
    }
}

extension ExactJSON {
    /// Every key of every object, with the path of its object and whether that object already had
    /// it. Read from the bytes because JSONSerialization and JSONDecoder keep one of two equal keys
    /// silently. Assumes valid JSON (the decoder reports syntax errors).
    static func keys(in data: Data) -> [(path: [InvoiceInput.PathPart], key: String, repeated: Bool)] {
        struct Frame {
            var path: [InvoiceInput.PathPart]
            var isObject: Bool
            var seen: Set<String> = []
            var key: String?
            var expectingKey = true
            var index = 0
        }
        var stack: [Frame] = []
        var found: [(path: [InvoiceInput.PathPart], key: String, repeated: Bool)] = []
        let bytes = [UInt8](data)
        func valuePath() -> [InvoiceInput.PathPart] {
            guard let top = stack.last else { return [] }
            if top.isObject { return top.path + (top.key.map { [.key($0)] } ?? []) }
            return top.path + [.index(top.index)]
        }
        var i = 0
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                stack.append(Frame(path: valuePath(), isObject: bytes[i] == UInt8(ascii: "{")))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = stack.popLast()
            case UInt8(ascii: ","):
                if stack.last?.isObject == true { stack[stack.count - 1].expectingKey = true } else if !stack.isEmpty { stack[stack.count - 1].index += 1 }
            case UInt8(ascii: "\""):
                let start = i + 1
                var escaped = false
                i += 1
                while i < bytes.count, escaped || bytes[i] != UInt8(ascii: "\"") {
                    escaped = !escaped && bytes[i] == UInt8(ascii: "\\")
                    i += 1
                }
                guard let top = stack.last, top.isObject, top.expectingKey else { break }
                let raw = bytes[start..<min(i, bytes.count)]
                let key = raw.contains(UInt8(ascii: "\\"))
                    ? (try? JSONDecoder().decode(String.self, from: Data([34] + raw + [34]))) ?? String(decoding: raw, as: UTF8.self)
                    : String(decoding: raw, as: UTF8.self)
                let repeated = !stack[stack.count - 1].seen.insert(key).inserted
                found.append((top.path, key, repeated))
                stack[stack.count - 1].key = key
                stack[stack.count - 1].expectingKey = false
            default:
                break
            }
            i += 1
        }
        return found
    }
}
