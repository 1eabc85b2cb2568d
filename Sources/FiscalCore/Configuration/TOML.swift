import Foundation

/// A parsed TOML 1.0 document: tables, arrays, strings, integers, floats, booleans and
/// date-times (kept as their text). Configuration files are small, so the parser favours clear
/// errors (with line numbers) over speed.
public struct TOMLDocument: Sendable {
    /// The root table.
    public let root: [String: TOMLValue]
    /// The line each key path (`table.key`) was defined on, for error messages.
    public let lines: [String: Int]

    /// Parses TOML text; throws ``TOMLError`` with the line and what is wrong.
    public init(parsing text: String) throws(TOMLError) {
        var parser = TOMLParser(text)
        try parser.parse()
        root = parser.root
        lines = parser.lines
    }

    /// The value at a dotted path, e.g. `taxpayer.tin`.
    public func value(at path: String) -> TOMLValue? {
        var current: TOMLValue = .table(root)
        for part in path.split(separator: ".") {
            guard case .table(let table) = current, let next = table[String(part)] else { return nil }
            current = next
        }
        return current
    }
}

/// One TOML value.
public enum TOMLValue: Sendable, Hashable {
    /// A string.
    case string(String)
    /// An integer.
    case integer(Int)
    /// A float, as written (so it stays exact).
    case float(String)
    /// A boolean.
    case boolean(Bool)
    /// A date, time or date-time, as written.
    case dateTime(String)
    /// An array.
    case array([TOMLValue])
    /// A table.
    case table([String: TOMLValue])

    /// A name for the kind of value, for error messages.
    public var kind: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a number"
        case .boolean: "true or false"
        case .dateTime: "a date"
        case .array: "an array"
        case .table: "a table"
        }
    }
}

/// A TOML syntax error, with the line it is on.
public struct TOMLError: CodedError {
    /// The closed set of reasons.
    public enum Code: String, Sendable {
        /// Something other than what the grammar allows here: text after a value, a missing '=', ']' or ','.
        case unexpectedText
        /// A string, array, inline table or table name that is not closed.
        case unclosed
        /// A key is missing or has characters that need quotes.
        case invalidKey
        /// A value is missing, unquoted or not a TOML value.
        case invalidValue
        /// A backslash escape a basic string does not allow (e.g. an unquoted Windows path).
        case invalidEscape
        /// A key or table defined twice.
        case duplicate
        /// A key used both as a value and as a table.
        case notATable
    }

    /// What went wrong.
    public let code: Code
    /// 1-based line of the file where the parser stopped.
    public let line: Int
    /// What is wrong, naming the value and the fix.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, line: Int, message: String) {
        self.code = code
        self.line = line
        self.message = message
    }

    /// The message prefixed with its line.
    public var description: String { "line \(line): \(message)" }
}

struct TOMLParser {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private(set) var root: [String: TOMLValue] = [:]
    private(set) var lines: [String: Int] = [:]
    private var currentPath: [String] = []
    private var definedTables: Set<String> = []
    private var arrayTables: Set<String> = []

    init(_ text: String) { bytes = Array(text.utf8) }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }
    private func peek(_ offset: Int = 1) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }

    private func fail(_ code: TOMLError.Code, _ message: String) -> TOMLError { TOMLError(code, line: line, message: message) }

    private mutating func advance() {
        if current == 10 { line += 1 }
        index += 1
    }

    private mutating func skipSpaces() {
        while let c = current, c == 32 || c == 9 { advance() }
    }

    private mutating func skipComment() {
        if current == 35 { while let c = current, c != 10 { advance() } }
    }

    private mutating func endOfLine() throws(TOMLError) {
        skipSpaces()
        skipComment()
        if current == 13 { advance() }
        guard current == nil || current == 10 else { throw fail(.unexpectedText, "unexpected text after the value; put each key = value on its own line") }
        if current == 10 { advance() }
    }

    mutating func parse() throws(TOMLError) {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        while current != nil {
            skipSpaces()
            guard let c = current else { break }
            switch c {
            case 10, 13: advance()
            case 35: skipComment()
            case 91: try tableHeader()
            default: try keyValue()
            }
        }
    }

    private mutating func tableHeader() throws(TOMLError) {
        advance()
        let isArray = current == 91
        if isArray { advance() }
        skipSpaces()
        let path = try key()
        skipSpaces()
        guard current == 93 else { throw fail(.unclosed, "expected ']' to close the table name") }
        advance()
        if isArray {
            guard current == 93 else { throw fail(.unclosed, "expected ']]' to close the array-of-tables name") }
            advance()
        }
        try endOfLine()
        let dotted = path.joined(separator: ".")
        if isArray {
            try appendTable(path)
            arrayTables.insert(dotted)
        } else {
            guard definedTables.insert(dotted).inserted else { throw fail(.duplicate, "table [\(dotted)] is defined twice") }
            try ensureTable(path)
        }
        currentPath = path
        lines[dotted] = line - 1
    }

    private mutating func keyValue() throws(TOMLError) {
        let startLine = line
        let path = try key()
        skipSpaces()
        guard current == 61 else { throw fail(.unexpectedText, "expected '=' after the key \(path.joined(separator: "."))") }
        advance()
        skipSpaces()
        let value = try self.value()
        try endOfLine()
        let full = currentPath + path
        try insert(value, at: full, line: startLine)
        lines[full.joined(separator: ".")] = startLine
    }

    private mutating func key() throws(TOMLError) -> [String] {
        var parts: [String] = []
        while true {
            skipSpaces()
            guard let c = current else { throw fail(.invalidKey, "a key is missing") }
            if c == 34 {
                parts.append(try basicString())
            } else if c == 39 {
                parts.append(try literalString())
            } else {
                var name: [UInt8] = []
                while let c = current, (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 45 || c == 95 {
                    name.append(c)
                    advance()
                }
                guard !name.isEmpty else { throw fail(.invalidKey, "invalid character in a key; quote keys with other characters") }
                parts.append(String(decoding: name, as: UTF8.self))
            }
            skipSpaces()
            guard current == 46 else { return parts }
            advance()
        }
    }

    private mutating func value() throws(TOMLError) -> TOMLValue {
        guard let c = current else { throw fail(.invalidValue, "a value is missing after '='") }
        switch c {
        case 34:
            if peek() == 34 && peek(2) == 34 { return .string(try multilineBasicString()) }
            return .string(try basicString())
        case 39:
            if peek() == 39 && peek(2) == 39 { return .string(try multilineLiteralString()) }
            return .string(try literalString())
        case 91: return try array()
        case 123: return try inlineTable()
        case 116, 102: return try boolean()
        default: return try numberOrDate()
        }
    }

    private mutating func boolean() throws(TOMLError) -> TOMLValue {
        if bytes[index...].starts(with: Array("true".utf8)) { index += 4; return .boolean(true) }
        if bytes[index...].starts(with: Array("false".utf8)) { index += 5; return .boolean(false) }
        throw fail(.invalidValue, "unknown value; strings need quotes, e.g. \"text\"")
    }

    private mutating func numberOrDate() throws(TOMLError) -> TOMLValue {
        var token: [UInt8] = []
        while let c = current, !(c == 32 || c == 9 || c == 10 || c == 13 || c == 44 || c == 93 || c == 125 || c == 35) {
            token.append(c)
            advance()
        }
        // A date-time may contain one space between date and time.
        if current == 32, token.count == 10, token[4] == 45, let next = peek(), next >= 48 && next <= 57 {
            token.append(32)
            advance()
            while let c = current, !(c == 32 || c == 9 || c == 10 || c == 13 || c == 44 || c == 93 || c == 125 || c == 35) {
                token.append(c)
                advance()
            }
        }
        let text = String(decoding: token, as: UTF8.self)
        guard !text.isEmpty else { throw fail(.invalidValue, "a value is missing") }
        if token.count >= 10, token[4] == 45, token[7] == 45 { return .dateTime(text) }
        if token.count >= 8, token[2] == 58 { return .dateTime(text) }
        let plain = text.replacingOccurrences(of: "_", with: "")
        if let integer = Int(plain) { return .integer(integer) }
        if plain.hasPrefix("0x"), let integer = Int(plain.dropFirst(2), radix: 16) { return .integer(integer) }
        if plain.hasPrefix("0o"), let integer = Int(plain.dropFirst(2), radix: 8) { return .integer(integer) }
        if plain.hasPrefix("0b"), let integer = Int(plain.dropFirst(2), radix: 2) { return .integer(integer) }
        if ["inf", "+inf", "-inf", "nan", "+nan", "-nan"].contains(plain) || isFloat(plain) { return .float(plain) }
        throw fail(.invalidValue, "'\(text)' is not a value: strings need quotes, e.g. \"\(text)\"")
    }

    private func isFloat(_ text: String) -> Bool {
        var s = Substring(text)
        if s.first == "+" || s.first == "-" { s = s.dropFirst() }
        let parts = s.split(separator: "e", maxSplits: 1, omittingEmptySubsequences: false).flatMap { $0.split(separator: "E", maxSplits: 1, omittingEmptySubsequences: false) }
        guard let mantissa = parts.first, !mantissa.isEmpty else { return false }
        let pieces = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count <= 2, pieces.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }) else { return false }
        if parts.count == 2 {
            var exponent = parts[1]
            if exponent.first == "+" || exponent.first == "-" { exponent = exponent.dropFirst() }
            return !exponent.isEmpty && exponent.allSatisfy(\.isASCIIDigit)
        }
        return pieces.count == 2
    }

    private mutating func basicString() throws(TOMLError) -> String {
        advance()
        var out: [UInt8] = []
        while true {
            guard let c = current, c != 10 else { throw fail(.unclosed, "a string is not closed with '\"' on the same line") }
            advance()
            if c == 34 { return String(decoding: out, as: UTF8.self) }
            if c == 92 { try escape(into: &out) } else { out.append(c) }
        }
    }

    private mutating func multilineBasicString() throws(TOMLError) -> String {
        index += 3
        if current == 13 { advance() }
        if current == 10 { advance() }
        var out: [UInt8] = []
        while true {
            guard let c = current else { throw fail(.unclosed, "a multi-line string is not closed with '\"\"\"'") }
            if c == 34 && peek() == 34 && peek(2) == 34 {
                index += 3
                while current == 34 { out.append(34); index += 1 }
                return String(decoding: out, as: UTF8.self)
            }
            advance()
            if c == 92 {
                if let n = current, n == 10 || n == 13 || n == 32 || n == 9 {
                    while let w = current, w == 10 || w == 13 || w == 32 || w == 9 { advance() }
                } else {
                    try escape(into: &out)
                }
            } else {
                out.append(c)
            }
        }
    }

    private mutating func literalString() throws(TOMLError) -> String {
        advance()
        var out: [UInt8] = []
        while true {
            guard let c = current, c != 10 else { throw fail(.unclosed, "a string is not closed with \"'\" on the same line") }
            advance()
            if c == 39 { return String(decoding: out, as: UTF8.self) }
            out.append(c)
        }
    }

    private mutating func multilineLiteralString() throws(TOMLError) -> String {
        index += 3
        if current == 13 { advance() }
        if current == 10 { advance() }
        var out: [UInt8] = []
        while true {
            guard let c = current else { throw fail(.unclosed, "a multi-line string is not closed with \"'''\"") }
            if c == 39 && peek() == 39 && peek(2) == 39 {
                index += 3
                while current == 39 { out.append(39); index += 1 }
                return String(decoding: out, as: UTF8.self)
            }
            advance()
            out.append(c)
        }
    }

    private mutating func escape(into out: inout [UInt8]) throws(TOMLError) {
        guard let e = current else { throw fail(.invalidEscape, "a string ends in the middle of an escape") }
        advance()
        switch e {
        case 98: out.append(8)
        case 116: out.append(9)
        case 110: out.append(10)
        case 102: out.append(12)
        case 114: out.append(13)
        case 101: out.append(27)
        case 34: out.append(34)
        case 92: out.append(92)
        case 117, 85:
            let count = e == 117 ? 4 : 8
            var hex: [UInt8] = []
            for _ in 0..<count {
                guard let h = current else { break }
                hex.append(h)
                advance()
            }
            guard let code = UInt32(String(decoding: hex, as: UTF8.self), radix: 16), let scalar = Unicode.Scalar(code) else {
                throw fail(.invalidEscape, "invalid unicode escape in a string")
            }
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw fail(.invalidEscape, "unknown escape '\\\(Character(Unicode.Scalar(e)))' in a string; write '\\\\' for a backslash, or use 'single quotes' for Windows paths")
        }
    }

    private mutating func skipBlank() {
        while let c = current {
            if c == 32 || c == 9 || c == 10 || c == 13 { advance() } else if c == 35 { skipComment() } else { break }
        }
    }

    private mutating func array() throws(TOMLError) -> TOMLValue {
        advance()
        var items: [TOMLValue] = []
        while true {
            skipBlank()
            guard let c = current else { throw fail(.unclosed, "an array is not closed with ']'") }
            if c == 93 { advance(); return .array(items) }
            items.append(try value())
            skipBlank()
            guard current != nil else { throw fail(.unclosed, "an array is not closed with ']'") }
            if current == 44 { advance(); continue }
            guard current == 93 else { throw fail(.unexpectedText, "expected ',' or ']' in an array") }
        }
    }

    private mutating func inlineTable() throws(TOMLError) -> TOMLValue {
        advance()
        var table: [String: TOMLValue] = [:]
        skipSpaces()
        if current == 125 { advance(); return .table(table) }
        while true {
            skipSpaces()
            let path = try key()
            skipSpaces()
            guard current == 61 else { throw fail(.unexpectedText, "expected '=' in an inline table") }
            advance()
            skipSpaces()
            let item = try value()
            guard path.count == 1, table[path[0]] == nil else { throw fail(.duplicate, "duplicate or dotted key in an inline table") }
            table[path[0]] = item
            skipSpaces()
            if current == 44 { advance(); continue }
            guard current == 125 else { throw fail(.unexpectedText, "expected ',' or '}' in an inline table") }
            advance()
            return .table(table)
        }
    }

    // MARK: - building the tree

    private mutating func ensureTable(_ path: [String]) throws(TOMLError) {
        root = try Self.ensure(root, path[...], line: line)
    }

    private static func ensure(_ table: [String: TOMLValue], _ path: ArraySlice<String>, line: Int) throws(TOMLError) -> [String: TOMLValue] {
        guard let first = path.first else { return table }
        var table = table
        switch table[first] {
        case nil:
            table[first] = .table(try ensure([:], path.dropFirst(), line: line))
        case .table(let inner):
            table[first] = .table(try ensure(inner, path.dropFirst(), line: line))
        case .array(var items) where items.last.map({ if case .table = $0 { true } else { false } }) == true:
            guard case .table(let last) = items.removeLast() else { return table }
            items.append(.table(try ensure(last, path.dropFirst(), line: line)))
            table[first] = .array(items)
        default:
            throw TOMLError(.notATable, line: line, message: "'\(first)' is already a value, not a table")
        }
        return table
    }

    private mutating func appendTable(_ path: [String]) throws(TOMLError) {
        let parent = Array(path.dropLast())
        try ensureTable(parent)
        root = try Self.modify(root, parent[...], line: line) { (table: inout [String: TOMLValue]) throws(TOMLError) in
            let name = path.last!
            switch table[name] {
            case nil: table[name] = .array([.table([:])])
            case .array(var items):
                items.append(.table([:]))
                table[name] = .array(items)
            default: throw TOMLError(.notATable, line: line, message: "'\(name)' is already a value, not an array of tables")
            }
        }
    }

    private mutating func insert(_ value: TOMLValue, at path: [String], line: Int) throws(TOMLError) {
        let parent = Array(path.dropLast())
        try ensureTable(parent)
        let name = path.last!
        root = try Self.modify(root, parent[...], line: line) { (table: inout [String: TOMLValue]) throws(TOMLError) in
            guard table[name] == nil else { throw TOMLError(.duplicate, line: line, message: "the key '\(path.joined(separator: "."))' is defined twice") }
            table[name] = value
        }
    }

    private static func modify(_ table: [String: TOMLValue], _ path: ArraySlice<String>, line: Int, _ change: (inout [String: TOMLValue]) throws(TOMLError) -> Void) throws(TOMLError) -> [String: TOMLValue] {
        var table = table
        guard let first = path.first else {
            try change(&table)
            return table
        }
        switch table[first] {
        case .table(let inner):
            table[first] = .table(try modify(inner, path.dropFirst(), line: line, change))
        case .array(var items):
            guard case .table(let last) = items.popLast() else { throw TOMLError(.notATable, line: line, message: "'\(first)' is not a table") }
            items.append(.table(try modify(last, path.dropFirst(), line: line, change)))
            table[first] = .array(items)
        default:
            throw TOMLError(.notATable, line: line, message: "'\(first)' is not a table")
        }
        return table
    }
}
