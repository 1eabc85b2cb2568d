import Foundation

/// A client company's details as entered: `name`, `tin`, `in_vat`, `vat_number`, `address`,
/// `town`, `country`.
struct ClientDetails: Sendable {
    var name: String
    var tin: String
    var inVAT: Bool
    var vatNumber: String?
    var address: String
    var town: String
    var country: String

    init(_ fields: Fields) throws(AdminError) {
        name = try fields.text("name", "the company's registered name")!
        tin = try fields.tin()
        inVAT = try fields.flag("in_vat")
        vatNumber = try fields.text("vat_number", "the VAT number (PDV broj)", limit: 20, required: false)
        if let vatNumber, !inVAT {
            throw .invalid("vat_number", "vat_number '\(vatNumber)' is given but in_vat is false: tick 'registered for VAT', or leave the VAT number empty")
        }
        address = try fields.text("address", "the street address printed on invoices")!
        town = try fields.text("town", "the town printed on invoices", limit: 100)!
        country = (fields.optional("country") ?? "MNE").uppercased()
        guard country.count == 3, country.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw .invalid("country", "country '\(country)' is not a three-letter ISO code such as MNE")
        }
    }

    func insert(_ connection: any SQLConnection, id: String, administratorID: String?, verified: Bool, at now: Date) throws {
        try connection.query("""
            INSERT INTO organization (id, kind, name, tin, in_vat, vat_number, address, town, country, administrator_id, created_at, verified)
            VALUES (?, 'client', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(id), .text(name), .text(tin), SQLValue(inVAT), SQLValue(vatNumber), .text(address), .text(town), .text(country), SQLValue(administratorID), SQLValue(now),
                  SQLValue(verified)])
    }
}

extension AdminService {
    /// Registers a client company administered by the calling integrator.
    public func createClient(_ principal: Principal, _ fields: Fields) async throws -> Organization {
        guard principal.isIntegrator else {
            throw AdminError.forbidden("only an integrator creates clients; a company registers itself by signing up")
        }
        let details = try ClientDetails(fields)
        let now = now()
        return try await transaction { connection in
            try self.requireFreeTIN(connection, details.tin)
            let id = Self.newID()
            try details.insert(connection, id: id, administratorID: principal.organizationID, verified: true, at: now)
            let client = try self.organization(connection, id)
            try self.audit(connection, principal, organization: id, action: "client.create", entity: "organization", id: id, before: Organization?.none, after: client)
            return client
        }
    }

    /// Changes a client's details (same fields as creating it).
    public func updateClient(_ principal: Principal, id: String, _ fields: Fields) async throws -> Organization {
        guard principal.canWrite else { throw AdminError.forbidden("a client viewer cannot change the company's details") }
        let details = try ClientDetails(fields)
        return try await transaction { connection in
            let before = try self.client(connection, principal, id)
            if details.tin != before.tin {
                if before.verified { try self.requireFreeTIN(connection, details.tin) }
                // Certificates and licenses carry the TIN: a different one means a different company.
                if try connection.queryOne("""
                    SELECT certificate.id FROM certificate WHERE client_id = ?
                    UNION SELECT license.id FROM license JOIN device ON device.id = license.device_id WHERE device.client_id = ? AND license.revoked_at IS NULL
                    """, [.text(id), .text(id)]) != nil {
                    throw AdminError(.conflict, field: "tin", "\(before.name)'s certificates and licenses are for TIN \(before.tin ?? ""): a company with another TIN is registered as a new client")
                }
            }
            try connection.query("UPDATE organization SET name = ?, tin = ?, in_vat = ?, vat_number = ?, address = ?, town = ?, country = ? WHERE id = ?",
                                 [.text(details.name), .text(details.tin), SQLValue(details.inVAT), SQLValue(details.vatNumber), .text(details.address),
                                  .text(details.town), .text(details.country), .text(id)])
            let after = try self.organization(connection, id)
            try self.audit(connection, principal, organization: id, action: "client.update", entity: "organization", id: id, before: before, after: after)
            return after
        }
    }

    /// The clients visible to the caller: those an integrator administers, or the client's own company.
    public func clients(_ principal: Principal) async throws -> [Organization] {
        try await transaction { connection in
            try connection.query("""
                SELECT organization.*, administrator.name AS administrator_name FROM organization
                LEFT JOIN organization administrator ON administrator.id = organization.administrator_id
                WHERE organization.kind = 'client' AND (organization.administrator_id = ? OR organization.id = ?)
                ORDER BY organization.name, organization.id
                """, [.text(principal.organizationID), .text(principal.organizationID)]).map(Self.organization)
        }
    }

    /// One client visible to the caller.
    public func client(_ principal: Principal, id: String) async throws -> Organization {
        try await transaction { connection in try self.client(connection, principal, id) }
    }

    // MARK: Invitations

    /// A client names the integrator to administer it, by the email of one of the integrator's
    /// admins. Field: `integrator_email`.
    public func inviteIntegrator(_ principal: Principal, clientID: String, _ fields: Fields) async throws -> Invitation {
        guard principal.role == .clientAdmin else { throw AdminError.forbidden("only the client's admin names its integrator") }
        let email = try fields.email("integrator_email")
        let now = now()
        return try await transaction { connection in
            let client = try self.client(connection, principal, clientID)
            guard client.administratorID == nil else {
                throw AdminError(.conflict, "\(client.name) is already administered by \(client.administratorName ?? "an integrator")")
            }
            guard let row = try connection.queryOne("""
                SELECT organization.id FROM account JOIN organization ON organization.id = account.organization_id
                WHERE account.email = ? AND account.role = 'integrator-admin'
                """, [.text(email)]) else {
                throw AdminError.invalid("integrator_email", "no integrator has an admin with the address \(email): ask your integrator for the address they sign in with")
            }
            let integratorID = try row.text("id")
            if try connection.queryOne("SELECT id FROM invitation WHERE client_id = ? AND integrator_id = ? AND state = 'pending'", [.text(clientID), .text(integratorID)]) != nil {
                throw AdminError(.conflict, field: "integrator_email", "an invitation to this integrator is already waiting for an answer")
            }
            let id = Self.newID()
            try connection.query("INSERT INTO invitation (id, client_id, integrator_id, state, created_at) VALUES (?, ?, ?, 'pending', ?)",
                                 [.text(id), .text(clientID), .text(integratorID), SQLValue(now)])
            let invitation = try self.invitation(connection, id)
            try self.audit(connection, principal, organization: clientID, action: "invitation.create", entity: "invitation", id: id, before: Invitation?.none, after: invitation)
            return invitation
        }
    }

    /// Invitations the caller's organisation sent (client) or received (integrator), newest first.
    public func invitations(_ principal: Principal) async throws -> [Invitation] {
        try await transaction { connection in
            try connection.query("\(Self.invitationQuery) WHERE invitation.client_id = ? OR invitation.integrator_id = ? ORDER BY invitation.id DESC",
                                 [.text(principal.organizationID), .text(principal.organizationID)]).map(Self.invitation)
        }
    }

    /// The invited integrator accepts (and becomes the client's administrator) or declines.
    public func decideInvitation(_ principal: Principal, id: String, accept: Bool) async throws -> Invitation {
        guard principal.isIntegrator else { throw AdminError.forbidden("only the invited integrator answers an invitation") }
        let now = now()
        return try await transaction { connection in
            let before = try self.invitation(connection, id)
            guard before.integratorID == principal.organizationID else { throw AdminError.notFound("invitation", id) }
            guard before.state == .pending else { throw AdminError(.conflict, "the invitation was already \(before.state.rawValue)") }
            if accept {
                let clientBefore = try self.organization(connection, before.clientID)
                // Accepting vouches for the company: it becomes verified, unless its TIN is proven elsewhere.
                if !clientBefore.verified, let tin = clientBefore.tin { try self.requireFreeTIN(connection, tin) }
                let taken = try connection.query("UPDATE organization SET administrator_id = ?, verified = 1 WHERE id = ? AND administrator_id IS NULL RETURNING id",
                                                 [.text(principal.organizationID), .text(before.clientID)]).isEmpty
                guard !taken else { throw AdminError(.conflict, "\(before.clientName) chose another integrator in the meantime") }
                try self.audit(connection, principal, organization: before.clientID, action: "client.set_administrator", entity: "organization", id: before.clientID,
                               before: clientBefore, after: try self.organization(connection, before.clientID))
            }
            guard !(try connection.query("UPDATE invitation SET state = ?, decided_at = ? WHERE id = ? AND state = 'pending' RETURNING id",
                                         [.text(accept ? "accepted" : "declined"), SQLValue(now), .text(id)]).isEmpty) else {
                throw AdminError(.conflict, "the invitation was answered in the meantime")
            }
            let after = try self.invitation(connection, id)
            try self.audit(connection, principal, organization: before.clientID, action: accept ? "invitation.accept" : "invitation.decline", entity: "invitation", id: id,
                           before: before, after: after)
            return after
        }
    }

    // MARK: Business units

    /// Adds a business unit to a client. Fields: `code`, `name`, `address`, `town`.
    public func createBusinessUnit(_ principal: Principal, clientID: String, _ fields: Fields) async throws -> BusinessUnit {
        guard principal.canWrite else { throw AdminError.forbidden("a client viewer cannot add business units") }
        let code = try fields.code("code", "the business unit code from the tax authority's portal", required: true)!
        let name = try fields.text("name", "a name for the business unit, such as 'Shop Podgorica'", limit: 100)!
        let address = try fields.text("address", "the address", required: false)
        let town = try fields.text("town", "the town", limit: 100, required: false)
        let now = now()
        return try await transaction { connection in
            _ = try self.client(connection, principal, clientID)
            if try connection.queryOne("SELECT id FROM business_unit WHERE client_id = ? AND code = ?", [.text(clientID), .text(code)]) != nil {
                throw AdminError(.conflict, field: "code", "the client already has business unit \(code)")
            }
            let unit = BusinessUnit(id: Self.newID(), clientID: clientID, code: code, name: name, address: address, town: town, createdAt: now)
            try connection.query("INSERT INTO business_unit (id, client_id, code, name, address, town, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                 [.text(unit.id), .text(clientID), .text(code), .text(name), SQLValue(address), SQLValue(town), SQLValue(now)])
            try self.audit(connection, principal, organization: clientID, action: "business_unit.create", entity: "business_unit", id: unit.id, before: BusinessUnit?.none, after: unit)
            return unit
        }
    }

    /// A client's business units.
    public func businessUnits(_ principal: Principal, clientID: String) async throws -> [BusinessUnit] {
        try await transaction { connection in
            _ = try self.client(connection, principal, clientID)
            return try connection.query("SELECT * FROM business_unit WHERE client_id = ? ORDER BY code", [.text(clientID)]).map(Self.businessUnit)
        }
    }

    // MARK: Helpers

    /// Refuses a TIN that a verified company holds. Only integrators and proven companies get
    /// this answer; a self-registration never learns whether a TIN is taken.
    func requireFreeTIN(_ connection: any SQLConnection, _ tin: String) throws {
        if try connection.queryOne("SELECT id FROM organization WHERE kind = 'client' AND tin = ? AND verified = 1", [.text(tin)]) != nil {
            throw AdminError(.conflict, field: "tin", "TIN \(tin) belongs to a verified company: if it is your client, ask it to name you as its integrator")
        }
    }

    func organization(_ connection: any SQLConnection, _ id: String) throws -> Organization {
        guard let row = try connection.queryOne("""
            SELECT organization.*, administrator.name AS administrator_name FROM organization
            LEFT JOIN organization administrator ON administrator.id = organization.administrator_id WHERE organization.id = ?
            """, [.text(id)]) else { throw AdminError.notFound("organisation", id) }
        return try Self.organization(row)
    }

    /// An organisation the caller belongs to or (as integrator) administers; anything else is
    /// "not found", so that ids of other tenants reveal nothing.
    func visibleOrganization(_ connection: any SQLConnection, _ principal: Principal, _ id: String) throws -> Organization {
        let found: Organization
        do { found = try self.organization(connection, id) } catch let error as AdminError where error.code == .notFound { throw AdminError.notFound("organisation", id) }
        let organization = found
        guard organization.id == principal.organizationID || (principal.isIntegrator && organization.administratorID == principal.organizationID)
        else { throw AdminError.notFound("organisation", id) }
        return organization
    }

    /// A client company visible to the caller.
    func client(_ connection: any SQLConnection, _ principal: Principal, _ id: String) throws -> Organization {
        let organization = try visibleOrganization(connection, principal, id)
        guard organization.kind == .client else { throw AdminError.notFound("client", id) }
        return organization
    }

    static func organization(_ row: SQLRow) throws -> Organization {
        Organization(id: try row.text("id"), kind: Organization.Kind(rawValue: try row.text("kind")) ?? .client, name: try row.text("name"),
                     tin: try row.optionalText("tin"), inVAT: try row.flag("in_vat"), vatNumber: try row.optionalText("vat_number"),
                     address: try row.optionalText("address"), town: try row.optionalText("town"), country: try row.text("country"),
                     administratorID: try row.optionalText("administrator_id"), administratorName: try row.optionalText("administrator_name"),
                     createdAt: try row.date("created_at"), verified: try row.flag("verified"))
    }

    static func businessUnit(_ row: SQLRow) throws -> BusinessUnit {
        BusinessUnit(id: try row.text("id"), clientID: try row.text("client_id"), code: try row.text("code"), name: try row.text("name"),
                     address: try row.optionalText("address"), town: try row.optionalText("town"), createdAt: try row.date("created_at"))
    }

    static let invitationQuery = """
        SELECT invitation.*, client.name AS client_name, integrator.name AS integrator_name FROM invitation
        JOIN organization client ON client.id = invitation.client_id JOIN organization integrator ON integrator.id = invitation.integrator_id
        """

    func invitation(_ connection: any SQLConnection, _ id: String) throws -> Invitation {
        guard let row = try connection.queryOne("\(Self.invitationQuery) WHERE invitation.id = ?", [.text(id)]) else { throw AdminError.notFound("invitation", id) }
        return try Self.invitation(row)
    }

    static func invitation(_ row: SQLRow) throws -> Invitation {
        Invitation(id: try row.text("id"), clientID: try row.text("client_id"), clientName: try row.text("client_name"), integratorID: try row.text("integrator_id"),
                   integratorName: try row.text("integrator_name"), state: Invitation.State(rawValue: try row.text("state")) ?? .pending,
                   createdAt: try row.date("created_at"), decidedAt: try row.optionalDate("decided_at"))
    }
}
