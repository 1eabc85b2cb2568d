import Foundation

/// The admin database's tables, as numbered migrations that never change once shipped. The SQL is
/// common to SQLite and PostgreSQL but for the audit log's sequence column.
///
/// Times are Unix seconds (`BIGINT`), flags 0/1, dates `YYYY-MM-DD` text, secrets sealed under
/// the master key and stored as base64 text.
enum AdminSchema {
    static func migrations(_ dialect: SQLDialect) -> [String] {
        let sequence = dialect == .postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
        return [
            """
            CREATE TABLE organization (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL CHECK (kind IN ('integrator', 'client')),
                name TEXT NOT NULL,
                tin TEXT,
                in_vat INTEGER NOT NULL DEFAULT 0,
                vat_number TEXT,
                address TEXT,
                town TEXT,
                country TEXT NOT NULL DEFAULT 'MNE',
                administrator_id TEXT REFERENCES organization(id),
                created_at BIGINT NOT NULL
            );
            CREATE UNIQUE INDEX organization_client_tin ON organization(tin) WHERE kind = 'client';
            CREATE INDEX organization_administrator ON organization(administrator_id);

            CREATE TABLE account (
                id TEXT PRIMARY KEY,
                organization_id TEXT NOT NULL REFERENCES organization(id),
                email TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('integrator-admin', 'client-admin', 'client-viewer')),
                password_hash TEXT NOT NULL,
                created_at BIGINT NOT NULL
            );
            CREATE INDEX account_organization ON account(organization_id);

            CREATE TABLE session (
                token_hash TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES account(id),
                csrf_token TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            );

            CREATE TABLE api_token (
                id TEXT PRIMARY KEY,
                token_hash TEXT NOT NULL UNIQUE,
                account_id TEXT NOT NULL REFERENCES account(id),
                name TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                revoked_at BIGINT
            );

            CREATE TABLE invitation (
                id TEXT PRIMARY KEY,
                client_id TEXT NOT NULL REFERENCES organization(id),
                integrator_id TEXT NOT NULL REFERENCES organization(id),
                state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'declined')),
                created_at BIGINT NOT NULL,
                decided_at BIGINT
            );
            CREATE INDEX invitation_integrator ON invitation(integrator_id);
            CREATE INDEX invitation_client ON invitation(client_id);

            CREATE TABLE business_unit (
                id TEXT PRIMARY KEY,
                client_id TEXT NOT NULL REFERENCES organization(id),
                code TEXT NOT NULL,
                name TEXT NOT NULL,
                address TEXT,
                town TEXT,
                created_at BIGINT NOT NULL,
                UNIQUE (client_id, code)
            );

            CREATE TABLE device (
                id TEXT PRIMARY KEY,
                client_id TEXT NOT NULL REFERENCES organization(id),
                business_unit_id TEXT NOT NULL REFERENCES business_unit(id),
                internal_id TEXT NOT NULL,
                tcr_code TEXT,
                software_code TEXT,
                maintainer_code TEXT,
                operator_code TEXT,
                environment TEXT NOT NULL CHECK (environment IN ('test', 'production')),
                state TEXT NOT NULL CHECK (state IN ('active', 'retired')),
                enrolment_token_hash TEXT UNIQUE,
                device_key TEXT,
                enrolled_at BIGINT,
                created_at BIGINT NOT NULL,
                UNIQUE (business_unit_id, internal_id)
            );
            CREATE INDEX device_client ON device(client_id);

            CREATE TABLE heartbeat (
                device_id TEXT PRIMARY KEY REFERENCES device(id),
                received_at BIGINT NOT NULL,
                version TEXT NOT NULL,
                environment TEXT NOT NULL,
                pending INTEGER NOT NULL,
                oldest_deadline BIGINT,
                certificate_expiry BIGINT,
                last_fic TEXT,
                last_fiscalized_at BIGINT,
                test_invoices INTEGER NOT NULL,
                production_invoices INTEGER NOT NULL
            );

            CREATE TABLE license (
                id TEXT PRIMARY KEY,
                device_id TEXT NOT NULL REFERENCES device(id),
                token TEXT NOT NULL,
                environments TEXT NOT NULL,
                issued TEXT NOT NULL,
                expires TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                revoked_at BIGINT
            );
            CREATE INDEX license_device ON license(device_id);

            CREATE TABLE certificate (
                id TEXT PRIMARY KEY,
                client_id TEXT NOT NULL REFERENCES organization(id),
                subject TEXT NOT NULL,
                tin TEXT NOT NULL,
                serial TEXT NOT NULL,
                not_before BIGINT NOT NULL,
                not_after BIGINT NOT NULL,
                der TEXT NOT NULL,
                sealed TEXT NOT NULL,
                uploaded_at BIGINT NOT NULL
            );
            CREATE INDEX certificate_client ON certificate(client_id);

            CREATE TABLE audit (
                seq \(sequence),
                at BIGINT NOT NULL,
                actor_id TEXT,
                actor TEXT NOT NULL,
                organization_id TEXT,
                action TEXT NOT NULL,
                entity TEXT NOT NULL,
                entity_id TEXT NOT NULL,
                before TEXT,
                after TEXT
            );
            CREATE INDEX audit_organization ON audit(organization_id);
            """,
            """
            CREATE UNIQUE INDEX device_client_tcr ON device(client_id, tcr_code) WHERE tcr_code IS NOT NULL;
            CREATE UNIQUE INDEX invitation_pending ON invitation(client_id, integrator_id) WHERE state = 'pending';
            """,
            // 3: a retired certificate stays for the record but is no longer handed to connectors.
            """
            ALTER TABLE certificate ADD COLUMN retired_at BIGINT;
            """,
            // 4: TIN squatting. A self-registered company is unverified until it proves its TIN (its
            // certificate) or its integrator accepts it; only one verified company holds a TIN, and
            // any number of unverified registrations may name it. Companies from before were
            // registered under the old rule (one per TIN) and stay verified.
            """
            ALTER TABLE organization ADD COLUMN verified INTEGER NOT NULL DEFAULT 1;
            DROP INDEX organization_client_tin;
            CREATE UNIQUE INDEX organization_client_tin_verified ON organization(tin) WHERE kind = 'client' AND verified = 1;
            CREATE INDEX organization_client_tin_any ON organization(tin) WHERE kind = 'client';
            """,
        ]
    }

    /// Applies the migrations not yet applied, each in the same transaction as its version row.
    static func migrate(_ database: any SQLDatabase) throws {
        let migrations = migrations(database.dialect)
        try database.transactionBlocking { connection in
            // Two servers starting at once against one PostgreSQL database take turns from here.
            if database.dialect == .postgres { try connection.script("SELECT pg_advisory_xact_lock(7302846201)") }
            try connection.script("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)")
            let applied = try connection.queryOne("SELECT MAX(version) AS version FROM schema_version")?.optionalInteger("version") ?? 0
            guard applied <= migrations.count else {
                throw StoreError(.corrupt, "the database is at schema version \(applied), this fiscal-admin knows \(migrations.count): run the newer fiscal-admin it was upgraded by")
            }
            for (index, sql) in migrations.enumerated() where index + 1 > applied {
                try connection.script(sql)
                try connection.query("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", [.integer(Int64(index + 1)), SQLValue(Date())])
            }
        }
    }
}
