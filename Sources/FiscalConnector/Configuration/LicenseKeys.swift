import Foundation

/// Where the license authority's public keys are installed when the configuration names none:
/// `*.pub` files in a `Licenses` folder beside the executable, in `../share/fiscal/Licenses`
/// relative to it, or in the source checkout's `Licenses/` (for `swift run`).
enum LicenseKeys {
    static func installedKeyFiles() -> [String] {
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        var source = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { source.deleteLastPathComponent() }
        let folders = [
            executable.appendingPathComponent("Licenses"),
            executable.deletingLastPathComponent().appendingPathComponent("share/fiscal/Licenses"),
            source.appendingPathComponent("Licenses"),
        ]
        for folder in folders {
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
                .filter { $0.hasSuffix(".pub") }.sorted().map { folder.appendingPathComponent($0).path }
            if !files.isEmpty { return files }
        }
        return []
    }
}
