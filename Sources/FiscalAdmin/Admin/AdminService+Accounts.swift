public import Foundation
import FiscalCore
import Synchronization

extension AdminService {
    /// A web sign-in: the cookie's secret and the token forms must echo.
    public struct Session: Sendable {
        /// The secret in the session cookie.
        public let token: String
        /// The CSRF token every form of this session carries.
        public let csrfToken: String
        /// Who is signed in.
        public let principal: Principal
        /// When it ends.
        public let expiresAt: Date
    }

    /// Creates an organisation and its first administrator. `kind` is `integrator` or `client`;
    /// a client gives its company details (``createClient(_:_:)``'s fields) and may name its
    /// integrator afterwards. Fields: `kind`, `organization` (name), `name`, `email`, `password`.
    public func signUp(_ fields: Fields) async throws -> Account {
        let kindText = try fields.required("kind", "integrator or client")
        guard let kind = Organization.Kind(rawValue: kindText) else {
            throw AdminError.invalid("kind", "kind '\(kindText)' is neither integrator nor client")
        }
        let organizationName = kind == .client ? try fields.text("name", "the company's registered name")! : try fields.text("organization", "your company's name")!
        let company = kind == .client ? try ClientDetails(fields) : nil
        let person = try fields.text(kind == .client ? "contact" : "name", "your name", limit: 100)!
        let email = try fields.email()
        let hash = try await newPasswordHash(fields, "password")
        let now = now()
        return try await transaction { connection in
            try self.requireFreeEmail(connection, email)
            let organizationID = Self.newID()
            if let company {
                // Anyone may name any TIN here, so the company starts unverified, and the answer
                // never says whether another registration names the same TIN.
                try company.insert(connection, id: organizationID, administratorID: nil, verified: false, at: now)
            } else {
                try connection.query("INSERT INTO organization (id, kind, name, country, created_at) VALUES (?, 'integrator', ?, 'MNE', ?)",
                                     [.text(organizationID), .text(organizationName), SQLValue(now)])
            }
            let account = Account(id: Self.newID(), organizationID: organizationID, email: email, name: person,
                                  role: kind == .client ? .clientAdmin : .integratorAdmin, createdAt: now)
            try self.insert(connection, account, hash: hash)
            let organization = try self.organization(connection, organizationID)
            try self.audit(connection, email, actorID: account.id, organization: organizationID, action: "organization.sign_up", entity: "organization",
                           id: organizationID, before: Organization?.none, after: organization)
            try self.audit(connection, email, actorID: account.id, organization: organizationID, action: "account.create", entity: "account",
                           id: account.id, before: Account?.none, after: account)
            return account
        }
    }

    /// Creates the first integrator administrator when the store has no account with `email`
    /// (the one-command set-up); returns `nil` when it exists.
    public func ensureFirstAdmin(email: String, organization: String, password: String) async throws -> Account? {
        let exists = try await transaction { connection in try connection.queryOne("SELECT id FROM account WHERE email = ?", [.text(email.lowercased())]) != nil }
        guard !exists else { return nil }
        return try await signUp(Fields(["kind": "integrator", "organization": organization, "name": "Administrator", "email": email, "password": password]))
    }

    /// Checks a password, throttled per account at an address and per address, and opens a
    /// session. The attempt is counted before the password is checked, so a burst of concurrent
    /// guesses gets no more than the free attempts; failures at one address never lock the
    /// account's owner out elsewhere.
    public func signIn(email rawEmail: String, password: String, address: String) async throws -> Session {
        let email = rawEmail.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let started = now()
        let keys = ["account:" + email + " address:" + address, "address:" + address]
        if case .wait(let seconds) = throttle.withLock({ $0.admit(keys, at: started) }) {
            throw AdminError(.throttled, field: "password", "too many failed sign-ins; wait \(seconds) seconds and try again", retryAfter: seconds)
        }
        // Until the password is known to be wrong or right, the attempt stays counted; any other
        // outcome (store down, server busy) takes it back.
        var settled = false
        defer { if !settled { throttle.withLock { throttle in keys.forEach { throttle.withdraw(for: $0) } } } }
        let found = try await transaction { connection -> (String, String)? in
            guard let row = try connection.queryOne("SELECT id, password_hash FROM account WHERE email = ?", [.text(email)]) else { return nil }
            return (try row.text("id"), try row.text("password_hash"))
        }
        let hasher = self.hasher
        // scrypt takes a tenth of a second of CPU: never on Swift concurrency's threads. An unknown
        // account costs the same, so timing does not tell which addresses have accounts.
        let matches = try await gate.run { () -> Bool in
            guard let found else {
                _ = hasher.verify(password, against: Self.decoyHash)
                return false
            }
            return hasher.verify(password, against: found.1)
        }
        settled = true
        guard let found, matches else {
            throw AdminError(.unauthenticated, field: "password", "the email address or the password is wrong")
        }
        // The account's count at this address resets; the address keeps the failures it piled up
        // against other accounts.
        throttle.withLock { throttle in
            throttle.recordSuccess(for: keys[0])
            throttle.withdraw(for: keys[1])
        }
        let rehash = hasher.needsRehash(found.1) ? try? await gate.run { try hasher.hash(password) } : nil
        let token = Self.newSecret(prefix: "fs_"), csrf = Self.newSecret(prefix: "")
        let expires = started.addingTimeInterval(settings.sessionLifetime)
        let principal = try await transaction { connection in
            if let rehash { try connection.query("UPDATE account SET password_hash = ? WHERE id = ?", [.text(rehash), .text(found.0)]) }
            try connection.query("DELETE FROM session WHERE expires_at < ?", [SQLValue(started)])
            try connection.query("INSERT INTO session (token_hash, account_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                                 [.text(Self.secretHash(token)), .text(found.0), .text(csrf), SQLValue(started), SQLValue(expires)])
            return try self.principal(connection, accountID: found.0)
        }
        return Session(token: token, csrfToken: csrf, principal: principal, expiresAt: expires)
    }

    /// A hash that matches nothing, checked when the account is unknown.
    static let decoyHash = "$scrypt$ln=15,r=8,p=1$ZGVjb3lzYWx0ZGVjb3lzYWx0$ZGVjb3loYXNoZGVjb3loYXNoZGVjb3loYXNoZGVjb3k"

    /// The session behind a cookie's secret, if it is current.
    public func session(token: String) async throws -> Session? {
        let now = now()
        return try await transaction { connection in
            guard let row = try connection.queryOne("SELECT account_id, csrf_token, expires_at FROM session WHERE token_hash = ? AND expires_at > ?",
                                                    [.text(Self.secretHash(token)), SQLValue(now)]) else { return nil }
            return Session(token: token, csrfToken: try row.text("csrf_token"), principal: try self.principal(connection, accountID: try row.text("account_id")),
                           expiresAt: try row.date("expires_at"))
        }
    }

    /// Ends a session.
    public func signOut(token: String) async throws {
        _ = try await transaction { connection in
            try connection.query("DELETE FROM session WHERE token_hash = ?", [.text(Self.secretHash(token))])
        }
    }

    /// The account behind an API token (`Authorization: Bearer fat_…`), if it is not revoked.
    public func principal(apiToken: String) async throws -> Principal? {
        guard apiToken.hasPrefix("fat_") else { return nil }
        return try await transaction { connection in
            guard let row = try connection.queryOne("SELECT account_id FROM api_token WHERE token_hash = ? AND revoked_at IS NULL",
                                                    [.text(Self.secretHash(apiToken))]) else { return nil }
            return try self.principal(connection, accountID: try row.text("account_id"))
        }
    }

    /// Changes the caller's password and ends its other sessions. Fields: `current_password`,
    /// `new_password`, `revoke_api_tokens` (`true` also revokes every API token of the account:
    /// after a leak, a token would outlive the old password).
    public func changePassword(_ principal: Principal, _ fields: Fields, keepSession: String? = nil) async throws {
        let current = fields.values["current_password"] ?? ""
        let revokeTokens = try fields.flag("revoke_api_tokens")
        let hash = try await newPasswordHash(fields, "new_password")
        let hasher = self.hasher
        let stored = try await transaction { connection in
            try connection.queryOne("SELECT password_hash FROM account WHERE id = ?", [.text(principal.accountID)])?.text("password_hash") ?? ""
        }
        guard try await gate.run({ hasher.verify(current, against: stored) }) else {
            throw AdminError.invalid("current_password", "current_password is wrong: enter the password you signed in with")
        }
        try await transaction { connection in
            try connection.query("UPDATE account SET password_hash = ? WHERE id = ?", [.text(hash), .text(principal.accountID)])
            try connection.query("DELETE FROM session WHERE account_id = ? AND token_hash <> ?", [.text(principal.accountID), .text(keepSession.map(Self.secretHash) ?? "")])
            try self.audit(connection, principal, organization: principal.organizationID, action: "account.change_password", entity: "account", id: principal.accountID,
                           before: String?.none, after: String?.none)
            if revokeTokens {
                let now = self.now()
                let active = try connection.query("SELECT id, name, created_at, revoked_at FROM api_token WHERE account_id = ? AND revoked_at IS NULL ORDER BY id",
                                                  [.text(principal.accountID)]).map(Self.apiToken)
                for before in active {
                    var after = before
                    after.revokedAt = now
                    try connection.query("UPDATE api_token SET revoked_at = ? WHERE id = ?", [SQLValue(now), .text(before.id)])
                    try self.audit(connection, principal, organization: principal.organizationID, action: "api_token.revoke", entity: "api_token", id: before.id, before: before, after: after)
                }
            }
        }
    }

    /// Creates an API token for the caller; the secret is returned once. Field: `name`.
    public func createAPIToken(_ principal: Principal, _ fields: Fields) async throws -> (token: APIToken, secret: String) {
        let name = try fields.text("name", "a name for the token, such as 'billing sync'", limit: 100)!
        let secret = Self.newSecret(prefix: "fat_")
        let token = APIToken(id: Self.newID(), name: name, createdAt: now(), revokedAt: nil)
        try await transaction { connection in
            try connection.query("INSERT INTO api_token (id, token_hash, account_id, name, created_at) VALUES (?, ?, ?, ?, ?)",
                                 [.text(token.id), .text(Self.secretHash(secret)), .text(principal.accountID), .text(name), SQLValue(token.createdAt)])
            try self.audit(connection, principal, organization: principal.organizationID, action: "api_token.create", entity: "api_token", id: token.id,
                           before: APIToken?.none, after: token)
        }
        return (token, secret)
    }

    /// The caller's API tokens.
    public func apiTokens(_ principal: Principal) async throws -> [APIToken] {
        try await transaction { connection in
            try connection.query("SELECT id, name, created_at, revoked_at FROM api_token WHERE account_id = ? ORDER BY id", [.text(principal.accountID)]).map(Self.apiToken)
        }
    }

    /// Revokes one of the caller's API tokens.
    public func revokeAPIToken(_ principal: Principal, id: String) async throws -> APIToken {
        let now = now()
        return try await transaction { connection in
            guard let row = try connection.queryOne("SELECT id, name, created_at, revoked_at FROM api_token WHERE id = ? AND account_id = ?", [.text(id), .text(principal.accountID)]) else {
                throw AdminError.notFound("API token", id)
            }
            let before = try Self.apiToken(row)
            guard before.revokedAt == nil else { throw AdminError(.conflict, "API token \(id) is already revoked") }
            var after = before
            after.revokedAt = now
            try connection.query("UPDATE api_token SET revoked_at = ? WHERE id = ?", [SQLValue(now), .text(id)])
            try self.audit(connection, principal, organization: principal.organizationID, action: "api_token.revoke", entity: "api_token", id: id, before: before, after: after)
            return after
        }
    }

    /// The users of an organisation the caller administers or belongs to.
    public func users(_ principal: Principal, organizationID: String) async throws -> [Account] {
        try await transaction { connection in
            _ = try self.visibleOrganization(connection, principal, organizationID)
            return try connection.query("SELECT * FROM account WHERE organization_id = ? ORDER BY email", [.text(organizationID)]).map(Self.account)
        }
    }

    /// Adds a user. Client admins add users to their company; integrator admins to their own
    /// organisation (as integrator admins) or to a client they administer. Fields: `email`,
    /// `name`, `role`, `password`.
    public func createUser(_ principal: Principal, organizationID: String, _ fields: Fields) async throws -> Account {
        guard principal.canWrite else { throw AdminError.forbidden("a client viewer cannot add users; ask a client admin") }
        let email = try fields.email()
        let name = try fields.text("name", "the person's name", limit: 100)!
        let roleText = try fields.required("role", "integrator-admin, client-admin or client-viewer")
        guard let role = Role(rawValue: roleText) else {
            throw AdminError.invalid("role", "role '\(roleText)' is not one of integrator-admin, client-admin, client-viewer")
        }
        let hash = try await newPasswordHash(fields, "password")
        let now = now()
        return try await transaction { connection in
            let organization = try self.visibleOrganization(connection, principal, organizationID)
            switch (organization.kind, role) {
            case (.integrator, .integratorAdmin), (.client, .clientAdmin), (.client, .clientViewer): break
            default: throw AdminError.invalid("role", "role \(role.rawValue) does not belong in a\(organization.kind == .client ? " client company" : "n integrator organisation")")
            }
            try self.requireFreeEmail(connection, email)
            let account = Account(id: Self.newID(), organizationID: organizationID, email: email, name: name, role: role, createdAt: now)
            try self.insert(connection, account, hash: hash)
            try self.audit(connection, principal, organization: organizationID, action: "account.create", entity: "account", id: account.id, before: Account?.none, after: account)
            return account
        }
    }

    // MARK: Helpers

    /// Checks the strength of the new password in `field` and hashes it on the ``CPUGate``.
    func newPasswordHash(_ fields: Fields, _ field: String) async throws -> String {
        let password = fields.values[field] ?? ""
        try PasswordHasher.checkStrength(password, field: field)
        let hasher = self.hasher
        return try await gate.run { try hasher.hash(password) }
    }

    static func apiToken(_ row: SQLRow) throws -> APIToken {
        APIToken(id: try row.text("id"), name: try row.text("name"), createdAt: try row.date("created_at"), revokedAt: try row.optionalDate("revoked_at"))
    }

    func insert(_ connection: any SQLConnection, _ account: Account, hash: String) throws {
        try connection.query("INSERT INTO account (id, organization_id, email, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                             [.text(account.id), .text(account.organizationID), .text(account.email), .text(account.name), .text(account.role.rawValue), .text(hash), SQLValue(account.createdAt)])
    }

    func requireFreeEmail(_ connection: any SQLConnection, _ email: String) throws {
        if try connection.queryOne("SELECT id FROM account WHERE email = ?", [.text(email)]) != nil {
            throw AdminError(.conflict, field: "email", "an account with \(email) exists: sign in, or use another address")
        }
    }

    func principal(_ connection: any SQLConnection, accountID: String) throws -> Principal {
        guard let row = try connection.queryOne("""
            SELECT account.id, account.email, account.name, account.role, account.organization_id, organization.name AS organization_name
            FROM account JOIN organization ON organization.id = account.organization_id WHERE account.id = ?
            """, [.text(accountID)]) else { throw AdminError(.unauthenticated, "the account no longer exists: sign in again") }
        guard let role = Role(rawValue: try row.text("role")) else { throw AdminError(.internal, "account \(accountID) has an unknown role") }
        return Principal(accountID: try row.text("id"), email: try row.text("email"), name: try row.text("name"), role: role,
                         organizationID: try row.text("organization_id"), organizationName: try row.text("organization_name"))
    }

    static func account(_ row: SQLRow) throws -> Account {
        guard let role = Role(rawValue: try row.text("role")) else { throw StoreError(.corrupt, "unknown role \(try row.text("role"))") }
        return Account(id: try row.text("id"), organizationID: try row.text("organization_id"), email: try row.text("email"), name: try row.text("name"),
                       role: role, createdAt: try row.date("created_at"))
    }
}
