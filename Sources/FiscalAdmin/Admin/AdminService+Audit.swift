import FiscalCore
import Foundation

/// Which audit entries to read: query parameters `action`, `entity`, `entity_id`, `actor` (each
/// an exact match), `before` (entries older than this `seq`, for the next page) and `limit`
/// (1–200, default 50).
public struct AuditQuery: Sendable, Equatable {
    /// Only this action, e.g. `device.switch_environment`.
    public var action: String?
    /// Only this kind of record, e.g. `certificate`.
    public var entity: String?
    /// Only this record.
    public var entityID: String?
    /// Only this actor (an email address, or `device <id>`).
    public var actor: String?
    /// Only entries older than this position (the last `seq` of the previous page).
    public var before: Int?
    /// At most this many entries.
    public var limit: Int

    /// A query; every filter optional.
    public init(action: String? = nil, entity: String? = nil, entityID: String? = nil, actor: String? = nil, before: Int? = nil, limit: Int = 50) {
        self.action = action
        self.entity = entity
        self.entityID = entityID
        self.actor = actor
        self.before = before
        self.limit = limit
    }

    /// Reads the query parameters, naming the one at fault.
    public init(_ fields: Fields) throws(AdminError) {
        self.init(action: fields.optional("action"), entity: fields.optional("entity"), entityID: fields.optional("entity_id"), actor: fields.optional("actor"))
        if let text = fields.optional("before") {
            guard let before = Int(text), before > 0 else { throw .invalid("before", "before '\(text)' is not an entry's seq: use the seq of the last entry of the page before") }
            self.before = before
        }
        if let text = fields.optional("limit") {
            guard let limit = Int(text), (1...200).contains(limit) else { throw .invalid("limit", "limit '\(text)' must be a number from 1 to 200") }
            self.limit = limit
        }
    }
}

/// The values the audit log's filters offer: what occurs in the entries the caller may see.
public struct AuditFilters: Sendable {
    /// Actions, sorted.
    public let actions: [String]
    /// Kinds of record, sorted.
    public let entities: [String]
    /// Actors with their names, sorted by name.
    public let actors: [(actor: String, name: String)]
}

extension AdminService {
    /// The audit log visible to `principal`, newest first, filtered and paged by `query`: an
    /// integrator sees its own organisation and every client it administers, a client its own
    /// company. Each entry carries names (who, which organisation, which record) and its changes.
    public func auditLog(_ principal: Principal, _ query: AuditQuery = AuditQuery()) async throws -> [AuditEntry] {
        try await transaction { connection in
            var sql = "SELECT audit.*, actor.name AS actor_name, org.name AS organization_name FROM audit "
                + "LEFT JOIN account actor ON actor.id = audit.actor_id LEFT JOIN organization org ON org.id = audit.organization_id WHERE " + Self.auditVisible
            var values = Self.auditVisibleValues(principal)
            for (column, value) in [("action", query.action), ("entity", query.entity), ("entity_id", query.entityID), ("actor", query.actor)] {
                if let value {
                    sql += " AND audit.\(column) = ?"
                    values.append(.text(value))
                }
            }
            if let before = query.before {
                sql += " AND audit.seq < ?"
                values.append(SQLValue(before))
            }
            sql += " ORDER BY audit.seq DESC LIMIT ?"
            values.append(SQLValue(max(1, min(query.limit, 200))))
            var entries = try connection.query(sql, values).map { row in
                AuditEntry(seq: try row.integer("seq"), at: try row.date("at"), actor: try row.text("actor"), organizationID: try row.optionalText("organization_id"),
                           action: try row.text("action"), entity: try row.text("entity"), entityID: try row.text("entity_id"),
                           before: try row.optionalText("before"), after: try row.optionalText("after"), actorName: try row.optionalText("actor_name"),
                           organizationName: try row.optionalText("organization_name"), subject: nil, changes: [])
            }
            // Devices by name: as the record, as the license's device, or as the actor.
            var deviceIDs = Set<String>()
            for entry in entries {
                if entry.entity == "device" { deviceIDs.insert(entry.entityID) }
                if entry.entity == "license", let device = Self.auditFields(entry.after ?? entry.before)?["device_id"] { deviceIDs.insert(device) }
                if entry.actorName == nil, entry.actor.hasPrefix("device ") { deviceIDs.insert(String(entry.actor.dropFirst(7))) }
            }
            var deviceNames: [String: String] = [:]
            if !deviceIDs.isEmpty {
                let ids = Array(deviceIDs)
                for row in try connection.query("""
                    SELECT device.id, device.internal_id, business_unit.code FROM device JOIN business_unit ON business_unit.id = device.business_unit_id
                    WHERE device.id IN (\(ids.map { _ in "?" }.joined(separator: ", ")))
                    """, ids.map { .text($0) }) {
                    deviceNames[try row.text("id")] = "\(try row.text("code")) / \(try row.text("internal_id"))"
                }
            }
            for index in entries.indices {
                let entry = entries[index]
                let old = Self.auditFields(entry.before), new = Self.auditFields(entry.after)
                let fields = new ?? old ?? [:]
                if entry.actorName == nil, entry.actor.hasPrefix("device ") {
                    entries[index].actorName = deviceNames[String(entry.actor.dropFirst(7))].map { "connector of device \($0)" }
                }
                switch entry.entity {
                case "device": entries[index].subject = deviceNames[entry.entityID].map { "device \($0)" }
                case "license": entries[index].subject = fields["device_id"].flatMap { deviceNames[$0] }.map { "license of device \($0)" }
                case "business_unit": entries[index].subject = [fields["code"], fields["name"]].compactMap { $0 }.joined(separator: " ")
                case "invitation": entries[index].subject = "\(fields["client_name"] ?? "") → \(fields["integrator_name"] ?? "")"
                case "certificate": entries[index].subject = fields["subject"].map { "\($0) (serial \(fields["serial"] ?? ""))" }
                default: entries[index].subject = fields["name"] ?? fields["email"]
                }
                entries[index].changes = Self.changes(old, new)
            }
            return entries
        }
    }

    /// The actions, record kinds and actors in the audit entries the caller may see.
    public func auditFilters(_ principal: Principal) async throws -> AuditFilters {
        try await transaction { connection in
            let values = Self.auditVisibleValues(principal)
            func distinct(_ column: String) throws -> [String] {
                try connection.query("SELECT DISTINCT audit.\(column) AS value FROM audit WHERE \(Self.auditVisible) ORDER BY value", values).map { try $0.text("value") }
            }
            let actors = try connection.query("""
                SELECT DISTINCT audit.actor, actor.name, device.internal_id, business_unit.code FROM audit LEFT JOIN account actor ON actor.id = audit.actor_id
                LEFT JOIN device ON audit.actor_id IS NULL AND audit.actor = 'device ' || device.id LEFT JOIN business_unit ON business_unit.id = device.business_unit_id
                WHERE \(Self.auditVisible)
                """, values).map { row in
                let device = try row.optionalText("code").map { "connector of device \($0) / \(try row.text("internal_id"))" }
                return (actor: try row.text("actor"), name: try row.optionalText("name") ?? device ?? (try row.text("actor")))
            }
            return AuditFilters(actions: try distinct("action"), entities: try distinct("entity"), actors: actors.sorted { $0.name < $1.name })
        }
    }

    /// Which audit entries a principal may read (with ``auditVisibleValues(_:)``).
    static let auditVisible = "(audit.organization_id = ? OR audit.organization_id IN (SELECT id FROM organization WHERE administrator_id = ? AND ? = 1))"

    /// The values ``auditVisible`` binds for `principal`.
    static func auditVisibleValues(_ principal: Principal) -> [SQLValue] {
        [.text(principal.organizationID), .text(principal.organizationID), SQLValue(principal.isIntegrator)]
    }

    /// Ids that the entry's names already say in words.
    static let auditIDFields: Set<String> = ["id", "client_id", "device_id", "business_unit_id", "organization_id", "integrator_id", "administrator_id", "account_id"]

    /// The fields that differ between two records, in field order; a new record lists what it was created with.
    static func changes(_ old: [String: String]?, _ new: [String: String]?) -> [AuditChange] {
        let old = old ?? [:], new = new ?? [:]
        return Set(old.keys).union(new.keys).filter { old[$0] != new[$0] && !auditIDFields.contains($0) }.sorted()
            .map { AuditChange(field: $0, before: old[$0], after: new[$0]) }
    }

    /// An audit record (JSON) as flat fields: nested objects joined with `.`, lists with `, `,
    /// times as the pages write them, `null` left out.
    static func auditFields(_ json: String?) -> [String: String]? {
        guard let json, case .object(let object)? = try? JSONDecoder().decode(AuditValue.self, from: Data(json.utf8)) else { return nil }
        var fields: [String: String] = [:]
        func add(_ name: String, _ value: AuditValue) {
            switch value {
            case .object(let object): for (key, inner) in object { add(name.isEmpty ? key : name + "." + key, inner) }
            case .null: break
            default: fields[name] = value.text
            }
        }
        add("", .object(object))
        return fields
    }

    /// A JSON value as stored in the audit log.
    indirect enum AuditValue: Decodable {
        case null, flag(Bool), number(String), text(String), list([AuditValue]), object([String: AuditValue])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null
            } else if let flag = try? container.decode(Bool.self) { self = .flag(flag)
            } else if let number = try? container.decode(Int64.self) { self = .number(String(number))
            } else if let number = try? container.decode(Double.self) { self = .number(String(number))
            } else if let text = try? container.decode(String.self) { self = .text(text)
            } else if let list = try? container.decode([AuditValue].self) { self = .list(list)
            } else { self = .object(try container.decode([String: AuditValue].self)) }
        }

        /// The value as the audit page shows it.
        var text: String {
            switch self {
            case .null: ""
            case .flag(let flag): flag ? "yes" : "no"
            case .number(let number): number
            case .text(let text): ISOTime.date(text).map { WebPages.display($0) } ?? text
            case .list(let list): list.map(\.text).joined(separator: ", ")
            case .object: "…"
            }
        }
    }
}
