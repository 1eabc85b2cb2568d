public import FiscalCore
public import Foundation

/// The integrator's license authority: creates the Ed25519 key pair and issues device licenses
/// that connectors verify offline.
public enum LicenseAuthority {
    /// File names written by ``generateKeys(in:)``.
    public static let privateKeyFile = "license-authority.key"
    /// The public key file, to install beside connectors (or name in `[license] trusted_keys`).
    public static let publicKeyFile = "license-authority.pub"

    /// Writes a new key pair into `directory`; refuses to overwrite an existing private key.
    @discardableResult
    public static func generateKeys(in directory: String) throws(LicenseError) -> Ed25519.PublicKey {
        let privatePath = directory + "/" + privateKeyFile
        guard !FileManager.default.fileExists(atPath: privatePath) else {
            throw LicenseError(.badKey, "\(privatePath) already exists: every license issued with it would stop verifying if it were replaced; choose another --out folder")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let key = Ed25519.PrivateKey.generate()
            guard FileManager.default.createFile(atPath: privatePath, contents: Data(key.pem.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw LicenseError(.badKey, "cannot write \(privatePath)")
            }
            try Data(key.publicKey.pem.utf8).write(to: URL(fileURLWithPath: directory + "/" + publicKeyFile))
            return key.publicKey
        } catch let error as LicenseError {
            throw error
        } catch {
            throw LicenseError(.badKey, "cannot write the key pair into \(directory): \(error.localizedDescription)")
        }
    }

    /// Reads a private key file.
    public static func privateKey(at path: String) throws(LicenseError) -> Ed25519.PrivateKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LicenseError(.badKey, "cannot read the private key \(path)")
        }
        return try Ed25519.PrivateKey(pem: [UInt8](data))
    }

    /// Reads a public key file.
    public static func publicKey(at path: String) throws(LicenseError) -> Ed25519.PublicKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LicenseError(.badKey, "cannot read the public key \(path)")
        }
        return try Ed25519.PublicKey(pem: [UInt8](data))
    }

    /// Issues a signed license token.
    public static func issue(id: String = UUID().uuidString.lowercased(), key: Ed25519.PrivateKey, tin: String, businessUnit: String, device: String, environments: [String],
                             expires: FiscalDate, issued: FiscalDate = FiscalDate(Date())) throws(LicenseError) -> (license: License, token: String) {
        let license = License(id: id, keyID: key.publicKey.keyID, tin: tin, businessUnit: businessUnit, device: device,
                              environments: environments, issued: issued, expires: expires)
        return (license, try license.token(signedWith: key))
    }
}
