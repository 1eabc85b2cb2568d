import FiscalCore
import Foundation
import Hummingbird
import NIOCore

extension AdminServer {
    /// The JSON API: the same operations as the pages, under `/api/v1/`, with API tokens.
    var apiRoutes: [AdminRoute] {
        let service = self.service
        func account(_ method: HTTPRequest.Method, _ path: String, _ body: @escaping @Sendable (Request, AdminRequestContext, Principal) async throws -> Response) -> AdminRoute {
            AdminRoute(method: method, path: "/api/v1" + path, access: .account) { request, context, caller in
                try await body(request, context, caller.principal!)
            }
        }

        func device(_ method: HTTPRequest.Method, _ path: String, _ body: @escaping @Sendable (Request, String) async throws -> Response) -> AdminRoute {
            AdminRoute(method: method, path: "/api/v1/device" + path, access: .device) { request, _, caller in
                guard case .device(let token) = caller else { throw AdminError(.unauthenticated, "a device token is required") }
                return try await body(request, token)
            }
        }

        return [
            AdminRoute(method: .get, path: "/api/v1/openapi.yaml", access: .anyone) { _, _, _ in
                Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_yaml)))
            },
            AdminRoute(method: .post, path: "/api/v1/signup", access: .anyone) { request, _, _ in
                Self.json(try await service.signUp(try await Self.fields(request, accepting: Body.signUp).fields), status: .created)
            },
            // An API token from email and password: automation signs in once and keeps the token.
            AdminRoute(method: .post, path: "/api/v1/tokens", access: .anyone) { request, context, _ in
                let fields = try await Self.fields(request, accepting: Body.token).fields
                let principal: Principal
                if let token = self.bearer(request), let known = try await service.principal(apiToken: token) {
                    principal = known
                } else {
                    let email = try fields.required("email", "your sign-in email (or send an API token)")
                    let session = try await service.signIn(email: email, password: fields.values["password"] ?? "", address: self.address(request, context))
                    try await service.signOut(token: session.token)
                    principal = session.principal
                }
                let (token, secret) = try await service.createAPIToken(principal, fields)
                struct Created: Encodable {
                    let token: APIToken
                    let secret: String
                }
                return Self.json(Created(token: token, secret: secret), status: .created)
            },
            account(.get, "/tokens") { _, _, principal in Self.json(try await service.apiTokens(principal)) },
            account(.post, "/tokens/:token/revoke") { _, context, principal in
                Self.json(try await service.revokeAPIToken(principal, id: try Self.parameter(context, "token")))
            },
            account(.get, "/me") { _, _, principal in Self.json(principal) },
            account(.post, "/me/password") { request, _, principal in
                try await service.changePassword(principal, try await Self.fields(request, accepting: Body.password).fields)
                return Response(status: .noContent)
            },
            account(.get, "/clients") { _, _, principal in Self.json(try await service.clients(principal)) },
            account(.post, "/clients") { request, _, principal in
                Self.json(try await service.createClient(principal, try await Self.fields(request, accepting: Body.client).fields), status: .created)
            },
            account(.get, "/clients/:client") { _, context, principal in
                Self.json(try await service.client(principal, id: try Self.parameter(context, "client")))
            },
            account(.put, "/clients/:client") { request, context, principal in
                Self.json(try await service.updateClient(principal, id: try Self.parameter(context, "client"), try await Self.fields(request, accepting: Body.client).fields))
            },
            account(.get, "/organizations/:organization/users") { _, context, principal in
                Self.json(try await service.users(principal, organizationID: try Self.parameter(context, "organization")))
            },
            account(.post, "/organizations/:organization/users") { request, context, principal in
                Self.json(try await service.createUser(principal, organizationID: try Self.parameter(context, "organization"), try await Self.fields(request, accepting: Body.user).fields), status: .created)
            },
            account(.post, "/clients/:client/invitations") { request, context, principal in
                Self.json(try await service.inviteIntegrator(principal, clientID: try Self.parameter(context, "client"), try await Self.fields(request, accepting: Body.invitation).fields), status: .created)
            },
            account(.get, "/invitations") { _, _, principal in Self.json(try await service.invitations(principal)) },
            account(.post, "/invitations/:invitation/accept") { _, context, principal in
                Self.json(try await service.decideInvitation(principal, id: try Self.parameter(context, "invitation"), accept: true))
            },
            account(.post, "/invitations/:invitation/decline") { _, context, principal in
                Self.json(try await service.decideInvitation(principal, id: try Self.parameter(context, "invitation"), accept: false))
            },
            account(.get, "/clients/:client/business-units") { _, context, principal in
                Self.json(try await service.businessUnits(principal, clientID: try Self.parameter(context, "client")))
            },
            account(.post, "/clients/:client/business-units") { request, context, principal in
                Self.json(try await service.createBusinessUnit(principal, clientID: try Self.parameter(context, "client"), try await Self.fields(request, accepting: Body.businessUnit).fields), status: .created)
            },
            account(.get, "/clients/:client/devices") { _, context, principal in
                Self.json(try await service.devices(principal, clientID: try Self.parameter(context, "client")))
            },
            account(.post, "/clients/:client/devices") { request, context, principal in
                Self.json(try await service.createDevice(principal, clientID: try Self.parameter(context, "client"), try await Self.fields(request, accepting: Body.device).fields), status: .created)
            },
            account(.post, "/clients/:client/devices/bulk") { request, context, principal in
                Self.json(try await service.createDevices(principal, clientID: try Self.parameter(context, "client"), try await Self.fields(request, accepting: Body.devices).fields), status: .created)
            },
            account(.get, "/clients/:client/certificates") { _, context, principal in
                Self.json(try await service.certificates(principal, clientID: try Self.parameter(context, "client")))
            },
            // JSON: {"pkcs12": "<base64 of the .p12/.pfx>", "password": "…"}.
            account(.post, "/clients/:client/certificates") { request, context, principal in
                let (fields, files) = try await Self.fields(request, accepting: Body.certificate)
                let bytes: [UInt8]
                if let file = files["certificate"] {
                    bytes = file
                } else {
                    let text = try fields.required("pkcs12", "the certificate file as base64")
                    guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else {
                        throw AdminError.invalid("pkcs12", "pkcs12 is not base64: encode the .p12/.pfx file, e.g. with `base64 -w0 file.p12`")
                    }
                    bytes = [UInt8](data)
                }
                let record = try await service.uploadCertificate(principal, clientID: try Self.parameter(context, "client"), pkcs12: bytes, password: fields.values["password"] ?? "")
                return Self.json(record, status: .created)
            },
            account(.post, "/certificates/:certificate/retire") { _, context, principal in
                Self.json(try await service.retireCertificate(principal, id: try Self.parameter(context, "certificate")))
            },
            account(.get, "/certificate-warnings") { _, _, principal in
                struct Warning: Encodable {
                    let clientID: String
                    let clientName: String
                    let certificate: CertificateRecord
                    let warning: String
                }
                return Self.json(try await service.certificateWarnings(principal).map {
                    Warning(clientID: $0.client.id, clientName: $0.client.name, certificate: $0.certificate, warning: $0.warning == .expired ? "expired" : "\($0.warning.rawValue)_days")
                })
            },
            account(.get, "/attention") { _, _, principal in Self.json(try await service.dashboard(principal).attention) },
            account(.get, "/devices") { _, _, principal in
                struct Row: Encodable {
                    let device: Device
                    let clientName: String
                }
                return Self.json(try await service.allDevices(principal).map { Row(device: $0.device, clientName: $0.clientName) })
            },
            account(.get, "/devices/:device") { _, context, principal in
                Self.json(DeviceDetailsBody(try await service.deviceDetails(principal, id: try Self.parameter(context, "device")), today: FiscalDate(service.now())))
            },
            account(.patch, "/devices/:device") { request, context, principal in
                Self.json(try await service.updateDevice(principal, id: try Self.parameter(context, "device"), try await Self.fields(request, accepting: Body.deviceChange).fields))
            },
            account(.post, "/devices/:device/environment") { request, context, principal in
                Self.json(try await service.switchEnvironment(principal, id: try Self.parameter(context, "device"), try await Self.fields(request, accepting: Body.environment).fields))
            },
            account(.post, "/devices/:device/enrolment-token") { _, context, principal in
                Self.json(["token": try await service.createEnrolmentToken(principal, deviceID: try Self.parameter(context, "device"))], status: .created)
            },
            account(.post, "/devices/:device/licenses") { request, context, principal in
                Self.json(try await service.issueLicense(principal, deviceID: try Self.parameter(context, "device"), try await Self.fields(request, accepting: Body.license).fields), status: .created)
            },
            account(.post, "/licenses/:license/renew") { request, context, principal in
                Self.json(try await service.renewLicense(principal, id: try Self.parameter(context, "license"), try await Self.fields(request, accepting: Body.license).fields), status: .created)
            },
            account(.post, "/licenses/:license/revoke") { _, context, principal in
                Self.json(try await service.revokeLicense(principal, id: try Self.parameter(context, "license")))
            },
            account(.get, "/devices/:device/connector.toml") { _, context, principal in
                Self.text(try await service.connectorConfiguration(principal, deviceID: try Self.parameter(context, "device")), contentType: "application/toml; charset=utf-8",
                          filename: "connector.toml")
            },
            account(.get, "/license-authority.pub") { _, _, _ in
                Self.text(service.licenseKey.publicKey.pem, contentType: "application/x-pem-file", filename: LicenseAuthority.publicKeyFile)
            },
            // Filters and paging: ?action=&entity=&entity_id=&actor=&before=<seq>&limit= (see AuditQuery).
            account(.get, "/audit") { request, _, principal in Self.json(try await service.auditLog(principal, try AuditQuery(Self.query(request)))) },

            // The connector's side.
            device(.post, "/enrol") { request, token in
                let fields = try await Self.fields(request, accepting: Body.enrolment).fields
                return Self.json(try await service.enrol(token: token, publicKey: try fields.required("public_key", "the connector's X25519 public key")), status: .ok)
            },
            device(.get, "/profile") { _, token in Self.json(try await service.profile(token: token)) },
            device(.post, "/heartbeat") { request, token in
                let report: DeviceHeartbeat
                do {
                    report = try FiscalJSON.decoder().decode(DeviceHeartbeat.self, from: Data(try await Self.body(request)))
                } catch let error as AdminError {
                    throw error
                } catch {
                    throw AdminError.invalid("heartbeat", "the heartbeat is not a DeviceHeartbeat JSON object: \(error)")
                }
                try await service.recordHeartbeat(token: token, report)
                return Response(status: .noContent)
            },
        ]
    }
}

/// The keys of each JSON request body and their types, exactly as `openapi.yaml` declares them
/// (unknown keys and other types are refused by name).
enum Body {
    static let client: [String: AdminServer.FieldType] = [
        "name": .text, "tin": .text, "in_vat": .flag, "vat_number": .text, "address": .text, "town": .text, "country": .text,
    ]
    static let signUp = client.merging(["kind": .text, "organization": .text, "contact": .text, "email": .text, "password": .secret]) { $1 }
    static let token: [String: AdminServer.FieldType] = ["email": .secret, "password": .secret, "name": .text]
    static let password: [String: AdminServer.FieldType] = ["current_password": .secret, "new_password": .secret, "revoke_api_tokens": .flag]
    static let user: [String: AdminServer.FieldType] = ["email": .text, "name": .text, "role": .text, "password": .secret]
    static let invitation: [String: AdminServer.FieldType] = ["integrator_email": .text]
    static let businessUnit: [String: AdminServer.FieldType] = ["code": .text, "name": .text, "address": .text, "town": .text]
    static let codes: [String: AdminServer.FieldType] = ["software_code": .text, "maintainer_code": .text, "operator_code": .text]
    static let device = codes.merging(["business_unit_id": .text, "internal_id": .text, "tcr_code": .text]) { $1 }
    static let devices = codes.merging(["business_unit_id": .text, "count": .integer, "first_internal_id": .integer]) { $1 }
    static let deviceChange = codes.merging(["tcr_code": .text, "state": .text]) { $1 }
    static let certificate: [String: AdminServer.FieldType] = ["pkcs12": .secret, "password": .secret]
    static let environment: [String: AdminServer.FieldType] = ["environment": .text, "confirm": .text]
    static let license: [String: AdminServer.FieldType] = ["environments": .text, "expires": .text]
    static let enrolment: [String: AdminServer.FieldType] = ["public_key": .text]
}

/// A device's page as JSON.
struct DeviceDetailsBody: Encodable {
    struct Check: Encodable {
        let check: String
        let status: String
        let detail: String
    }
    struct LicenseBody: Encodable {
        let license: LicenseRecord
        let status: String
    }

    let device: Device
    let client: Organization
    let licenses: [LicenseBody]
    let certificate: CertificateRecord?
    let checklist: [Check]
    let checklistGreen: Bool

    init(_ details: AdminService.DeviceDetails, today: FiscalDate) {
        device = details.device
        client = details.client
        licenses = details.licenses.map { LicenseBody(license: $0, status: $0.status(today: today)) }
        certificate = details.certificate
        checklist = details.checklist.items.map { Check(check: $0.check.rawValue, status: $0.status.rawValue, detail: $0.detail) }
        checklistGreen = details.checklist.isGreen
    }
}
