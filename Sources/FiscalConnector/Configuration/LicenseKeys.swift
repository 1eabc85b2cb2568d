import Foundation

/// Where the license authority's public keys are installed when the configuration names none:
/// `*.pub` files in a `Licenses` folder beside the executable, in `../share/fiscal/Licenses`
/// relative to it, or in the source checkout's `Licenses/` (for `swift run`).
enum LicenseKeys {
    static func installedKeyFiles() -> [String] {
        // /proc/self/exe, not argv[0]: started through PATH, argv[0] is a bare name and would point at the working directory.
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? Bundle.main.executablePath ?? ""
        let executable = URL(fileURLWithPath: path).resolvingSymlinksInPath().deletingLastPathComponent()
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
