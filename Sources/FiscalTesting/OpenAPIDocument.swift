import Foundation

/// Reads our OpenAPI documents the way the tests need: which operations they declare, and
/// whether the reference validator (openapi-spec-validator, from PyPI) accepts them.
public enum OpenAPIDocument {
    /// The operations of a document as `METHOD /path/{parameter}`, read from its `paths:` section
    /// (paths indented two spaces, methods four, as our documents are written).
    public static func operations(_ text: String) -> Set<String> {
        var operations: Set<String> = []
        var inPaths = false, path: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if !line.hasPrefix(" ") { inPaths = line.hasPrefix("paths:"); path = nil; continue }
            guard inPaths else { continue }
            let text = line.trimmingCharacters(in: .whitespaces)
            let indent = line.prefix { $0 == " " }.count
            if indent == 2, text.hasPrefix("/"), text.hasSuffix(":") {
                path = String(text.dropLast())
            } else if indent == 4, let path, let method = text.split(separator: ":").first, Self.methods.contains(String(method)) {
                operations.insert(method.uppercased() + " " + path)
            }
        }
        return operations
    }

    static let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

    /// A router path (`/v1/invoices/:reference`) written the OpenAPI way (`/v1/invoices/{reference}`).
    public static func path(_ routerPath: String) -> String {
        routerPath.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            .joined(separator: "/")
    }

    /// Validates the document at `file` with openapi-spec-validator. `nil` when the validator is
    /// not installed and the tests are not under CI (where it must be).
    public static func validate(file: String) async throws -> ExternalTools.Run? {
        let script = "from openapi_spec_validator import validate\nfrom openapi_spec_validator.readers import read_from_filename\nd, _ = read_from_filename('\(file)')\nvalidate(d)\nprint('valid')"
        let run = try await ExternalTools.run("python3", ["-c", script])
        if run.status != 0 && !ExternalTools.required && run.output.contains("ModuleNotFoundError") { return nil }
        return run
    }
}
