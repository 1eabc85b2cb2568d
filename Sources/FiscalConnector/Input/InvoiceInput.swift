import FiscalCore
public import Foundation
public import MontenegroFiscal

/// Reads invoices in the three input formats: JSON, CSV (a header row and one row per item) and
/// the `key;value` text format Montenegrin integrators use (`Item.0.Name;Espresso`).
///
/// CSV and text are mapped onto the JSON field names, so every format has the same fields, the
/// same validation and the same error paths.
public enum InvoiceInput {
    /// An input format.
    public enum Format: Sendable {
        case json, csv, text
    }

    /// The text encoding of CSV and text input.
    public enum Encoding: Sendable {
        case utf8, windows1250
    }

    /// Parses one invoice.
    public static func parse(_ data: Data, format: Format, encoding: Encoding = .utf8) throws(ValidationError) -> InvoiceRequest {
        switch format {
        case .json:
            return try InvoiceRequest.decode(json: data)
        case .csv:
            return try InvoiceRequest.decode(json: try json(from: CSVInput.fields(try decode(data, encoding))))
        case .text:
            return try InvoiceRequest.decode(json: try json(from: TextInput.fields(try decode(data, encoding))))
        }
    }

    static func decode(_ data: Data, _ encoding: Encoding) throws(ValidationError) -> String {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        switch encoding {
        case .utf8:
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw ValidationError([ValidationIssue(.invalidCharacters, field: "input", "the file is not valid UTF-8; if it was saved as Windows-1250 (CP1250), pass --encoding cp1250")])
            }
            return text
        case .windows1250:
            var scalars = String.UnicodeScalarView()
            for byte in bytes {
                let code = byte < 0x80 ? UInt32(byte) : UInt32(windows1250[Int(byte) - 0x80])
                scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            }
            return String(scalars)
        }
    }

    /// Builds the JSON document from `path → value` pairs, e.g. `["items", 0, "unit_price"] → "1.50"`.
    static func json(from fields: [(path: [PathPart], value: String, origin: String)]) throws(ValidationError) -> Data {
        var root: [String: Any] = [:]
        var issues: [ValidationIssue] = []
        for (path, value, origin) in fields {
            guard !value.isEmpty else { continue }
            let leaf = path.last.flatMap { if case .key(let k) = $0 { k } else { nil } } ?? ""
            var typed: Any = value
            if booleanFields.contains(leaf) {
                if ["true", "1", "da", "yes"].contains(value.lowercased()) { typed = true }
                if ["false", "0", "ne", "no"].contains(value.lowercased()) { typed = false }
            }
            if booleanFields.contains(leaf), typed is String {
                issues.append(ValidationIssue(.invalidFormat, field: render(path), "\(origin): '\(value)' is not true or false"))
                continue
            }
            if !insert(typed, at: path[...], into: &root) {
                issues.append(ValidationIssue(.duplicate, field: render(path), "\(origin): given twice"))
            }
        }
        if !issues.isEmpty { throw ValidationError(issues) }
        let normalized = normalizeArrays(root)
        guard let data = try? JSONSerialization.data(withJSONObject: normalized, options: [.sortedKeys]) else {
            throw ValidationError([ValidationIssue(.invalidFormat, field: "input", "the input cannot be converted")])
        }
        return data
    }

    /// A step of a field path.
    enum PathPart: Hashable {
        case key(String)
        case index(Int)
    }

    static let booleanFields: Set<String> = ["prices_include_vat", "is_investment"]

    static func render(_ path: [PathPart]) -> String {
        var text = ""
        for part in path {
            switch part {
            case .key(let key): text += text.isEmpty ? key : ".\(key)"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }

    /// Inserts a value; arrays are built as index-keyed dictionaries first. False when already set.
    private static func insert(_ value: Any, at path: ArraySlice<PathPart>, into container: inout [String: Any]) -> Bool {
        guard let first = path.first else { return false }
        let key: String = switch first {
        case .key(let name): name
        case .index(let index): "#\(index)"
        }
        if path.count == 1 {
            if container[key] != nil { return false }
            container[key] = value
            return true
        }
        var child = container[key] as? [String: Any] ?? [:]
        let inserted = insert(value, at: path.dropFirst(), into: &child)
        container[key] = child
        return inserted
    }

    private static func normalizeArrays(_ value: Any) -> Any {
        guard let dictionary = value as? [String: Any] else { return value }
        if !dictionary.isEmpty, dictionary.keys.allSatisfy({ $0.hasPrefix("#") }) {
            return dictionary.keys.compactMap { Int($0.dropFirst()) }.sorted().map { normalizeArrays(dictionary["#\($0)"]!) }
        }
        return dictionary.mapValues(normalizeArrays)
    }

    /// `UnitPrice` → `unit_price`, `VATRate` → `vat_rate`, `IDType` → `id_type`.
    static func snakeCase(_ name: String) -> String {
        let characters = Array(name)
        var out = ""
        for (index, character) in characters.enumerated() {
            if character.isUppercase, index > 0 {
                let previous = characters[index - 1]
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && next?.isLowercase == true) {
                    out += "_"
                }
            }
            out += character.lowercased()
        }
        return out
    }

    /// `unit_price` → `UnitPrice`, `vat_rate` → `VATRate`, `id_type` → `IDType`: a field as the text format writes it.
    static func pascalCase(_ name: String) -> String {
        name.split(separator: "_").map { ["vat", "iic", "id"].contains($0) ? $0.uppercased() : $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// The JSON array name for a singular group prefix in CSV and text input.
    static let groups: [String: String] = [
        "item": "items", "items": "items", "payment": "payments", "payments": "payments", "fee": "fees", "fees": "fees",
        "tax_group": "tax_groups", "tax_groups": "tax_groups", "approval": "approvals", "approvals": "approvals",
        "iic_ref": "references", "reference_invoice": "references", "references": "references",
    ]

    static let objects: Set<String> = ["buyer", "seller", "corrects", "bad_debt", "currency"]

    static let windows1250: [UInt16] = [
        0x20AC, 0xFFFD, 0x201A, 0xFFFD, 0x201E, 0x2026, 0x2020, 0x2021, 0xFFFD, 0x2030, 0x0160, 0x2039, 0x015A, 0x0164, 0x017D, 0x0179,
        0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0xFFFD, 0x2122, 0x0161, 0x203A, 0x015B, 0x0165, 0x017E, 0x017A,
        0x00A0, 0x02C7, 0x02D8, 0x0141, 0x00A4, 0x0104, 0x00A6, 0x00A7, 0x00A8, 0x00A9, 0x015E, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x017B,
        0x00B0, 0x00B1, 0x02DB, 0x0142, 0x00B4, 0x00B5, 0x00B6, 0x00B7, 0x00B8, 0x0105, 0x015F, 0x00BB, 0x013D, 0x02DD, 0x013E, 0x017C,
        0x0154, 0x00C1, 0x00C2, 0x0102, 0x00C4, 0x0139, 0x0106, 0x00C7, 0x010C, 0x00C9, 0x0118, 0x00CB, 0x011A, 0x00CD, 0x00CE, 0x010E,
        0x0110, 0x0143, 0x0147, 0x00D3, 0x00D4, 0x0150, 0x00D6, 0x00D7, 0x0158, 0x016E, 0x00DA, 0x0170, 0x00DC, 0x00DD, 0x0162, 0x00DF,
        0x0155, 0x00E1, 0x00E2, 0x0103, 0x00E4, 0x013A, 0x0107, 0x00E7, 0x010D, 0x00E9, 0x0119, 0x00EB, 0x011B, 0x00ED, 0x00EE, 0x010F,
        0x0111, 0x0144, 0x0148, 0x00F3, 0x00F4, 0x0151, 0x00F6, 0x00F7, 0x0159, 0x016F, 0x00FA, 0x0171, 0x00FC, 0x00FD, 0x0163, 0x02D9,
    ]
}

/// The `key;value` text format: one field per line, `Group.N.Field` for list entries.
enum TextInput {
    static func fields(_ text: String) throws(ValidationError) -> [(path: [InvoiceInput.PathPart], value: String, origin: String)] {
        var result: [(path: [InvoiceInput.PathPart], value: String, origin: String)] = []
        var issues: [ValidationIssue] = []
        for (number, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let line = rawLine.trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix("//") { continue }
            guard let separator = line.firstIndex(of: ";") else {
                issues.append(ValidationIssue(.invalidFormat, field: "line \(number + 1)", "'\(trimmed)' has no ';': write Key;Value, e.g. Item.0.Name;Espresso"))
                continue
            }
            let key = line[..<separator].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: separator)...].trimmingCharacters(in: .whitespaces)
            do {
                result.append((try path(key), value, "line \(number + 1)"))
            } catch where error.code == .unknownField {
                issues.append(ValidationIssue(.unknownField, field: key, "line \(number + 1): '\(key)' is not a known key: \(error.message)"))
            } catch {
                issues.append(ValidationIssue(.invalidFormat, field: "line \(number + 1)", "'\(key)': \(error.message)"))
            }
        }
        if !issues.isEmpty { throw ValidationError(issues) }
        return result
    }

    /// `Item.0.UnitPrice` → `items[0].unit_price`; `Buyer.IDType` → `buyer.id_type`.
    static func path(_ key: String) throws(TextKeyError) -> [InvoiceInput.PathPart] {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let head = parts.first, !head.isEmpty else { throw TextKeyError(message: "empty key") }
        let group = InvoiceInput.snakeCase(head)
        if let array = InvoiceInput.groups[group] {
            guard parts.count == 3, let index = Int(parts[1]), index >= 0 else {
                throw TextKeyError(message: "list fields are written \(head).N.Field with N = 0, 1, 2 …")
            }
            try check(parts[2], in: array, prefix: "\(head).\(parts[1]).")
            return [.key(array), .index(index), .key(InvoiceInput.snakeCase(parts[2]))]
        }
        if InvoiceInput.objects.contains(group) {
            guard parts.count == 2 else { throw TextKeyError(message: "write \(head).Field") }
            try check(parts[1], in: group, prefix: "\(head).")
            return [.key(group), .key(InvoiceInput.snakeCase(parts[1]))]
        }
        guard parts.count == 1 else {
            let heads = InvoiceInput.groups.keys.filter { !$0.hasSuffix("s") }.sorted() + InvoiceInput.objects.sorted()
            let nearest = SpellingSuggestion.nearest(to: group, among: heads).map { "did you mean \(InvoiceInput.pascalCase($0))?" }
            throw TextKeyError(.unknownField, message: nearest ?? "the groups are Item, Payment, Fee, TaxGroup, Approval, IICRef and the objects Buyer, Seller, Corrects, BadDebt, Currency")
        }
        try check(head, in: "", prefix: "")
        return [.key(group)]
    }

    /// Refuses a field name the object does not know, suggesting the nearest as the text format writes it.
    private static func check(_ name: String, in container: String, prefix: String) throws(TextKeyError) {
        if let fix = InvoiceRequest.unknownField(InvoiceInput.snakeCase(name), in: container, spell: { prefix + InvoiceInput.pascalCase($0) }) {
            throw TextKeyError(.unknownField, message: fix)
        }
    }

    /// A key of the text format that names no field; the caller adds the line it came from.
    struct TextKeyError: CodedError {
        /// `.unknownField` for a misspelt name, `.invalidFormat` for a key of the wrong shape.
        let code: ValidationIssue.Code
        /// The fix: the nearest known name, or how such a key is written.
        let message: String

        init(_ code: ValidationIssue.Code = .invalidFormat, message: String) {
            self.code = code
            self.message = message
        }
    }
}

/// CSV: a header row of field names and one row per item. Invoice fields (and `buyer_*`, …) are
/// taken from the first row that has them, and must agree on later rows; `item_*` columns make
/// items, `payment_*` columns payments. Unknown columns are refused before any row is read.
enum CSVInput {
    static func fields(_ text: String) throws(ValidationError) -> [(path: [InvoiceInput.PathPart], value: String, origin: String)] {
        let rows = parse(text)
        guard let header = rows.first, rows.count >= 2 else {
            throw ValidationError([ValidationIssue(.invalidFormat, field: "input", "a CSV invoice needs a header row and at least one row")])
        }
        var result: [(path: [InvoiceInput.PathPart], value: String, origin: String)] = []
        var seenTopLevel: Set<String> = []
        var counters: [String: Int] = [:]
        var issues: [ValidationIssue] = []
        for (column, name) in header.enumerated() {
            let written = name.trimmingCharacters(in: .whitespaces)
            if let fix = unknownColumn(InvoiceInput.snakeCase(written)) {
                issues.append(ValidationIssue(.unknownField, field: written, "column \(column + 1) '\(written)' is not a known column: \(fix)"))
            }
        }
        if !issues.isEmpty { throw ValidationError(issues) }
        for (rowNumber, row) in rows.dropFirst().enumerated() where !row.allSatisfy({ $0.isEmpty }) {
            var groupIndex: [String: Int] = [:]
            for (column, name) in header.enumerated() {
                let value = column < row.count ? row[column].trimmingCharacters(in: .whitespaces) : ""
                guard !value.isEmpty else { continue }
                let key = InvoiceInput.snakeCase(name.trimmingCharacters(in: .whitespaces))
                let origin = "row \(rowNumber + 2), column \(name)"
                let path: [InvoiceInput.PathPart]
                switch place(of: key) {
                case .group(let array, let field):
                    let index = groupIndex[array] ?? {
                        let next = counters[array, default: 0]
                        counters[array] = next + 1
                        return next
                    }()
                    groupIndex[array] = index
                    result.append(([.key(array), .index(index), .key(field)], value, origin))
                    continue
                case .object(let object, let field): path = [.key(object), .key(field)]
                case .invoice: path = [.key(key)]
                }
                if seenTopLevel.insert(key).inserted {
                    result.append((path, value, origin))
                } else if let earlier = result.first(where: { $0.path == path }), earlier.value != value {
                    issues.append(ValidationIssue(.duplicate, field: key, "\(origin): '\(value)' differs from '\(earlier.value)' in an earlier row; invoice fields must agree on every row"))
                }
            }
        }
        if !issues.isEmpty { throw ValidationError(issues) }
        return result
    }

    /// Where a column's values go: a field of the invoice, of an object (`buyer_name`), or of the
    /// entry of a list that the row makes (`item_name`).
    enum Place {
        case invoice(String)
        case object(String, field: String)
        case group(String, field: String)
    }

    static func place(of key: String) -> Place {
        if let (prefix, array) = InvoiceInput.groups.first(where: { key.hasPrefix($0.key + "_") && !$0.key.hasSuffix("s") }) {
            return .group(array, field: String(key.dropFirst(prefix.count + 1)))
        }
        if let object = InvoiceInput.objects.first(where: { key.hasPrefix($0 + "_") }) {
            return .object(object, field: String(key.dropFirst(object.count + 1)))
        }
        return .invoice(key)
    }

    /// Prefixes of columns, items first: the nearest field of a list or object is suggested with its prefix.
    static let prefixes: [(prefix: String, container: String)] = [
        ("item", "items"), ("payment", "payments"), ("buyer", "buyer"), ("fee", "fees"), ("tax_group", "tax_groups"),
        ("approval", "approvals"), ("iic_ref", "references"), ("seller", "seller"), ("corrects", "corrects"),
        ("bad_debt", "bad_debt"), ("currency", "currency"),
    ]

    /// Every column the CSV format knows.
    static let columns: [String] = {
        let lists = Set(InvoiceInput.groups.values).union(InvoiceInput.objects)
        return InvoiceRequest.fieldNames[""]!.filter { !lists.contains($0) }
            + prefixes.flatMap { entry in InvoiceRequest.fieldNames[entry.container]!.map { "\(entry.prefix)_\($0)" } }
    }()

    /// Why `key` is not a column, with the nearest one; `nil` when it is one.
    static func unknownColumn(_ key: String) -> String? {
        let known: Bool = switch place(of: key) {
        case .invoice(let field): columns.contains(field)
        case .object(let container, let field), .group(let container, let field): InvoiceRequest.fieldNames[container]?.contains(field) == true
        }
        guard !known else { return nil }
        if let nearest = SpellingSuggestion.nearest(to: key, among: columns) { return "did you mean \(nearest)?" }
        for entry in prefixes {
            if let nearest = SpellingSuggestion.nearest(to: key, among: InvoiceRequest.fieldNames[entry.container]!) {
                return "did you mean \(entry.prefix)_\(nearest)?"
            }
        }
        return "see the README (Input formats) for the columns"
    }

    /// RFC 4180 with `,` or `;` as separator (whichever the header uses).
    static func parse(_ text: String) -> [[String]] {
        let firstLine = text.prefix { !$0.isNewline }
        let separator: Character = firstLine.filter { $0 == ";" }.count > firstLine.filter { $0 == "," }.count ? ";" : ","
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var characters = text.makeIterator()
        var pending: Character? = nil
        while let character = pending ?? characters.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    if let next = characters.next() {
                        if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" && field.isEmpty {
                quoted = true
            } else if character == separator {
                row.append(field)
                field = ""
            } else if character == "\n" || character == "\r\n" {
                row.append(field.trimmingCharacters(in: CharacterSet(charactersIn: "\r")))
                rows.append(row)
                row = []
                field = ""
            } else {
                field.append(character)
            }
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows
    }
}
