import Foundation
public import FiscalCore

/// Paths to the committed test certificates and the shared EFI vectors, and loaders for them.
public enum TestMaterial {
    /// The package's root folder.
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The shared reference folder beside the package (`../shared`).
    public static let sharedRoot: String = URL(fileURLWithPath: packageRoot).deletingLastPathComponent().appendingPathComponent("shared").path

    /// The password of every file in `Certificates/`.
    public static let password = "test1234"

    /// A file in `Certificates/`.
    public static func certificate(_ name: String) -> String { packageRoot + "/Certificates/" + name }

    /// A file in `../shared/`.
    public static func shared(_ relativePath: String) -> String { sharedRoot + "/" + relativePath }

    /// The contents of a file, as bytes.
    public static func bytes(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        return [UInt8](data)
    }

    /// The contents of a file, as UTF-8 text with surrounding whitespace removed.
    public static func text(_ path: String) throws -> String {
        String(decoding: try bytes(path), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The test taxpayer "Test DOO" (TIN 12345678), from `taxpayer-modern.p12`.
    public static let taxpayer: SigningIdentity = {
        do {
            return try SigningIdentity(contentsOf: certificate("taxpayer-modern.p12"), password: password)
        } catch {
            preconditionFailure("test certificate missing or broken: \(error)")
        }
    }()

    /// The test root CA that issued every test certificate.
    public static let rootCA: Certificate = {
        do {
            return try Certificate(contentsOf: certificate("test-root-ca.pem"))
        } catch {
            preconditionFailure("test root CA missing or broken: \(error)")
        }
    }()

    /// The simulated tax authority's response signer.
    public static let taxAuthority: SigningIdentity = {
        do {
            return try SigningIdentity(contentsOf: certificate("tax-authority.p12"), password: password)
        } catch {
            preconditionFailure("test tax-authority certificate missing or broken: \(error)")
        }
    }()
}
