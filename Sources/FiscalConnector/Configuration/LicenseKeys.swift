import FiscalCore
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

    /// Every public key in a PEM file: one, or several one after another (as enrolment writes
    /// the license authority's current and next keys).
    static func publicKeys(pem text: String, file: String) throws(LicenseError) -> [Ed25519.PublicKey] {
        let marker = "-----BEGIN PUBLIC KEY-----"
        let blocks = text.components(separatedBy: marker).dropFirst().map { marker + $0 }
        guard !blocks.isEmpty else {
            throw LicenseError(.badKey, "\(file) holds no public key in PEM form (-----BEGIN PUBLIC KEY-----): install the license authority's public key file")
        }
        var keys: [Ed25519.PublicKey] = []
        for (index, block) in blocks.enumerated() {
            do {
                keys.append(try Ed25519.PublicKey(pem: Array(block.utf8)))
            } catch {
                throw LicenseError(.badKey, "key \(index + 1) in \(file): \(error.message)")
            }
        }
        return keys
    }
}
