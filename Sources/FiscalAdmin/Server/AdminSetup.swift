import FiscalCore
public import Foundation

/// What `fiscal-admin serve` opens: the store (SQLite in the data folder, or PostgreSQL), the
/// master key and the license authority key, creating what a first start needs.
public struct AdminSetup: Sendable {
    /// Where the store is.
    public var dataDirectory: String = "fiscal-admin-data"
    /// A `postgresql://` URL; `nil` keeps the SQLite file `admin.sqlite` in ``dataDirectory``.
    public var databaseURL: String?
    /// The master key file; `nil` reads `FISCAL_ADMIN_MASTER_KEY`, else `master.key` in the data folder.
    public var masterKeyPath: String?
    /// The license authority's private key; `nil` uses `license-authority.key` in the data folder.
    public var licenseKeyPath: String?
    /// The service's settings.
    public var settings = AdminService.Settings()
    /// PEM or DER files of the certificate authorities whose certificates may be uploaded (the
    /// CAs the tax authority accepts); `trusted-ca.pem` in the data folder is read too.
    public var trustedCAFiles: [String] = []

    /// Defaults.
    public init() {}

    /// A random password for the first admin: 20 characters from an alphabet without look-alikes.
    public static func generatedPassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// Opens everything; `notes` tells what a first start created and what to do about it.
    public func open(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (service: AdminService, notes: [String]) {
        var notes: [String] = []
        // The folder holds password hashes and sealed secrets: only the server's user reads it.
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])

        let masterKey: MasterKey
        if let masterKeyPath {
            masterKey = try MasterKey.load(path: masterKeyPath)
        } else if environment[MasterKey.environmentVariable].map({ !$0.isEmpty }) == true {
            masterKey = try MasterKey.load(path: nil, environment: environment)
        } else {
            let path = dataDirectory + "/master.key"
            if !FileManager.default.fileExists(atPath: path) {
                let key = MasterKey.generate()
                guard FileManager.default.createFile(atPath: path, contents: Data((key.base64 + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
                    throw VaultError(.badMasterKey, "cannot write \(path)")
                }
                notes.append("created the master key \(path): copy it somewhere safe and apart from database backups, or pass it with --master-key / \(MasterKey.environmentVariable); without it no uploaded certificate can be opened")
            }
            masterKey = try MasterKey.load(path: path)
        }

        let keyPath = licenseKeyPath ?? dataDirectory + "/" + LicenseAuthority.privateKeyFile
        if licenseKeyPath == nil, !FileManager.default.fileExists(atPath: keyPath) {
            let publicKey = try LicenseAuthority.generateKeys(in: dataDirectory)
            notes.append("created the license authority key pair in \(dataDirectory) (key id \(publicKey.keyID)); enrolled connectors receive the public key, manual installs need \(LicenseAuthority.publicKeyFile)")
        }
        let licenseKey = try LicenseAuthority.privateKey(at: keyPath)

        var settings = settings
        let folderCA = dataDirectory + "/trusted-ca.pem"
        for file in trustedCAFiles + (FileManager.default.fileExists(atPath: folderCA) ? [folderCA] : []) {
            let authorities = try Certificate.all(contentsOf: file)
            guard !authorities.isEmpty, authorities.allSatisfy(\.isCertificateAuthority) else {
                throw CertificateError(.noCertificate, "a trusted CA file must hold CA certificates (PEM or DER) only", source: file)
            }
            settings.trustedCertificateAuthorities += authorities
        }
        notes.append(settings.trustedCertificateAuthorities.isEmpty
            ? "no trusted certificate authority: certificate uploads are refused until you pass --trusted-ca FILE or put the CAs in \(folderCA)"
            : "certificate uploads must chain to one of \(settings.trustedCertificateAuthorities.count) trusted CA certificates")

        let database: any SQLDatabase
        if let databaseURL {
            database = try PostgresDatabase(url: databaseURL)
            notes.append("store: PostgreSQL at \((database as? PostgresDatabase)?.displayURL ?? "")")
        } else {
            let path = dataDirectory + "/admin.sqlite"
            database = try SQLiteDatabase(path: path)
            notes.append("store: SQLite \(path)")
        }
        return (try AdminService(database: database, masterKey: masterKey, licenseKey: licenseKey, settings: settings), notes)
    }
}
