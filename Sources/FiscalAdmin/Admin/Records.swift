public import FiscalCore
public import Foundation

/// The three roles. Integrator admins manage every client they administer; client admins manage
/// their own company (but licenses, which the integrator sells); client viewers only read.
public enum Role: String, Sendable, Codable, CaseIterable {
    /// A user of an integrator organisation.
    case integratorAdmin = "integrator-admin"
    /// A client company's administrator.
    case clientAdmin = "client-admin"
    /// A client company's read-only user.
    case clientViewer = "client-viewer"
}

/// Who is making a request: a signed-in account (by session or API token).
public struct Principal: Sendable, Codable, Equatable {
    /// The account's id.
    public let accountID: String
    /// Its email address.
    public let email: String
    /// Its display name.
    public let name: String
    /// Its role.
    public let role: Role
    /// Its organisation (integrator or client).
    public let organizationID: String
    /// The organisation's name.
    public let organizationName: String

    /// `true` for integrator admins.
    public var isIntegrator: Bool { role == .integratorAdmin }
    /// `true` unless the role only reads.
    public var canWrite: Bool { role != .clientViewer }
}

/// An integrator organisation or a client company.
public struct Organization: Sendable, Codable, Equatable {
    /// `integrator` or `client`.
    public enum Kind: String, Sendable, Codable { case integrator, client }

    /// Id.
    public var id: String
    /// Which kind.
    public var kind: Kind
    /// Registered name.
    public var name: String
    /// The client's TIN (PIB); `nil` for integrators.
    public var tin: String?
    /// Registered for VAT.
    public var inVAT: Bool
    /// VAT registration number, when registered.
    public var vatNumber: String?
    /// Street address.
    public var address: String?
    /// Town.
    public var town: String?
    /// ISO 3166 alpha-3 country.
    public var country: String
    /// The integrator administering this client, if any.
    public var administratorID: String?
    /// That integrator's name.
    public var administratorName: String?
    /// When it was created.
    public var createdAt: Date
    /// Whether the company proved its TIN (its certificate was uploaded, or its integrator
    /// registered or accepted it). Unverified companies get no licenses and no production.
    public var verified: Bool
}

/// A sign-in account, without its password hash.
public struct Account: Sendable, Codable, Equatable {
    /// Id.
    public var id: String
    /// Its organisation.
    public var organizationID: String
    /// Email address (lower case), used to sign in.
    public var email: String
    /// Display name.
    public var name: String
    /// Role.
    public var role: Role
    /// When it was created.
    public var createdAt: Date
}

/// A business unit (poslovni prostor) of a client.
public struct BusinessUnit: Sendable, Codable, Equatable {
    /// Id.
    public var id: String
    /// Its client.
    public var clientID: String
    /// The registration code from the tax authority's portal.
    public var code: String
    /// A name for people.
    public var name: String
    /// Street address.
    public var address: String?
    /// Town.
    public var town: String?
    /// When it was created.
    public var createdAt: Date
}

/// A point of sale (TCR/ENU) and what its connector last reported.
public struct Device: Sendable, Codable, Equatable {
    /// `test` or `production`.
    public enum Environment: String, Sendable, Codable, CaseIterable { case test, production }
    /// `active`, or `retired` (kept for the record; issues no licenses).
    public enum State: String, Sendable, Codable, CaseIterable { case active, retired }

    /// Id.
    public var id: String
    /// Its client.
    public var clientID: String
    /// Its business unit.
    public var businessUnitID: String
    /// The business unit's code.
    public var businessUnitCode: String
    /// The device's internal id (TCRIntID), unique within the business unit.
    public var internalID: String
    /// TCR (ENU) code from the tax authority's portal.
    public var tcrCode: String?
    /// Software code.
    public var softwareCode: String?
    /// Maintainer code.
    public var maintainerCode: String?
    /// Default operator code.
    public var operatorCode: String?
    /// Environment.
    public var environment: Environment
    /// State.
    public var state: State
    /// When its connector enrolled, if it has.
    public var enrolledAt: Date?
    /// When it was created.
    public var createdAt: Date
    /// The connector's last report.
    public var heartbeat: Heartbeat?
}

/// A connector's last report, as received.
public struct Heartbeat: Sendable, Codable, Equatable {
    /// When it arrived.
    public var receivedAt: Date
    /// What the connector said.
    public var report: DeviceHeartbeat
}

/// A license issued to a device.
public struct LicenseRecord: Sendable, Codable, Equatable {
    /// The license id (also inside the token).
    public var id: String
    /// Its device.
    public var deviceID: String
    /// The signed token for `[license] token`.
    public var token: String
    /// Environments it allows.
    public var environments: [String]
    /// First day of validity.
    public var issued: FiscalDate
    /// Last day of validity.
    public var expires: FiscalDate
    /// When it was issued.
    public var createdAt: Date
    /// When it was revoked, if it was.
    public var revokedAt: Date?

    /// `active`, `revoked` or `expired` on `today`.
    public func status(today: FiscalDate) -> String {
        revokedAt != nil ? "revoked" : expires < today ? "expired" : "active"
    }
}

/// An uploaded certificate's public facts (the key stays sealed).
public struct CertificateRecord: Sendable, Codable, Equatable {
    /// Id.
    public var id: String
    /// Its client.
    public var clientID: String
    /// Subject distinguished name.
    public var subject: String
    /// The TIN in its organizationIdentifier.
    public var tin: String
    /// Serial number.
    public var serial: String
    /// Start of validity.
    public var notBefore: Date
    /// End of validity.
    public var notAfter: Date
    /// When it was uploaded.
    public var uploadedAt: Date
    /// SHA-256 of the certificate (DER), upper-case hex: tells two uploads of one serial apart.
    public var fingerprint: String
    /// When it was retired (no longer handed to connectors), if it was.
    public var retiredAt: Date?
}

/// A client's request that an integrator administer it.
public struct Invitation: Sendable, Codable, Equatable {
    /// `pending`, `accepted` or `declined`.
    public enum State: String, Sendable, Codable { case pending, accepted, declined }

    /// Id.
    public var id: String
    /// The client.
    public var clientID: String
    /// The client's name.
    public var clientName: String
    /// The invited integrator.
    public var integratorID: String
    /// The integrator's name.
    public var integratorName: String
    /// State.
    public var state: State
    /// When it was sent.
    public var createdAt: Date
    /// When it was accepted or declined.
    public var decidedAt: Date?
}

/// One entry of the audit log: who changed what, when, and the record before and after (JSON).
public struct AuditEntry: Sendable, Codable, Equatable {
    /// Position in the log.
    public var seq: Int
    /// When.
    public var at: Date
    /// Who: an account's email, `device <id>`, or `system`.
    public var actor: String
    /// The organisation concerned.
    public var organizationID: String?
    /// What was done, e.g. `device.switch_environment`.
    public var action: String
    /// The kind of record.
    public var entity: String
    /// The record's id.
    public var entityID: String
    /// The record before the change (JSON), for changes.
    public var before: String?
    /// The record after the change (JSON).
    public var after: String?
    /// The actor's name (an account's name, or the device's business unit and internal id).
    public var actorName: String?
    /// The organisation's name.
    public var organizationName: String?
    /// The record as people name it: a client's name, a device's `BU / id`, a certificate's subject.
    public var subject: String?
    /// What changed, field by field (ids left out): the readable form of `before` and `after`.
    public var changes: [AuditChange]
}

/// One field an audit entry changed, values as the pages show them.
public struct AuditChange: Sendable, Codable, Equatable {
    /// The field (the JSON key; nested ones joined with `.`).
    public var field: String
    /// Its value before (`nil`: not set).
    public var before: String?
    /// Its value after (`nil`: not set).
    public var after: String?

    /// A change of `field` from `before` to `after`.
    public init(field: String, before: String?, after: String?) {
        self.field = field
        self.before = before
        self.after = after
    }
}

/// An API token's public facts (the secret is shown once, at creation).
public struct APIToken: Sendable, Codable, Equatable {
    /// Id.
    public var id: String
    /// A name for people ("CI", "billing sync").
    public var name: String
    /// When it was created.
    public var createdAt: Date
    /// When it was revoked, if it was.
    public var revokedAt: Date?
}
