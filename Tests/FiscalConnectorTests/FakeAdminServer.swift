import FiscalCore
import FiscalTesting
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// The three device endpoints of fiscal-admin over real HTTP on 127.0.0.1, serving a profile the
/// test sets, with the test certificate sealed to the key the connector enrolled.
final class FakeAdminServer: Sendable {
    /// What the server knows and what it was told.
    struct State {
        /// The device token it accepts.
        var token: String
        /// The profile it serves (its certificate is added when sealed).
        var profile: DeviceProfile
        /// Whether the profile carries the test certificate.
        var withCertificate = true
        /// A status every endpoint answers with instead (e.g. 503).
        var failure: Int?
        /// The key the connector enrolled.
        var publicKey: String?
        /// Every heartbeat received.
        var heartbeats: [DeviceHeartbeat] = []
    }

    /// The port it listens on.
    let port: Int
    private let state: Mutex<State>
    private let task: Task<Void, any Error>

    /// The base URL for `enroll --admin`.
    var url: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, state: State, task: Task<Void, any Error>) {
        self.port = port
        self.state = Mutex(state)
        self.task = task
    }

    /// Reads or changes the state.
    func with<T>(_ body: (inout State) -> T) -> T { state.withLock { body(&$0) } }

    /// Every heartbeat received.
    var heartbeats: [DeviceHeartbeat] { with { $0.heartbeats } }

    /// Starts serving `profile` to `token`.
    static func start(token: String = "fdt_valid-token-123", profile: DeviceProfile) async throws -> FakeAdminServer {
        let box = Mutex<FakeAdminServer?>(nil)
        let router = Router()
        router.post("api/v1/device/enrol") { request, _ -> Response in
            guard let server = box.withLock({ $0 }) else { return problem(.serviceUnavailable, "starting", "not yet") }
            return try await server.handle(request) { state, body in
                struct Enrol: Decodable { let public_key: String }
                guard let enrol = try? JSONDecoder().decode(Enrol.self, from: body) else {
                    return problem(.unprocessableContent, "invalid", "public_key is missing", field: "public_key")
                }
                state.publicKey = enrol.public_key
                return try server.profileResponse(state)
            }
        }
        router.get("api/v1/device/profile") { request, _ -> Response in
            guard let server = box.withLock({ $0 }) else { return problem(.serviceUnavailable, "starting", "not yet") }
            return try await server.handle(request) { state, _ in
                guard state.publicKey != nil else { return problem(.conflict, "conflict", "the device has not enrolled yet: run fiscal-connector enroll") }
                return try server.profileResponse(state)
            }
        }
        router.post("api/v1/device/heartbeat") { request, _ -> Response in
            guard let server = box.withLock({ $0 }) else { return problem(.serviceUnavailable, "starting", "not yet") }
            return try await server.handle(request) { state, body in
                guard let report = try? FiscalJSON.decoder().decode(DeviceHeartbeat.self, from: body) else {
                    return problem(.unprocessableContent, "invalid", "not a heartbeat", field: "heartbeat")
                }
                state.heartbeats.append(report)
                return Response(status: .noContent)
            }
        }
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "fake-admin")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "fake-admin"),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger
        )
        let task = Task {
            defer { continuation.finish() }
            try await app.run()
        }
        var port = 0
        for await value in stream { port = value }
        let server = FakeAdminServer(port: port, state: State(token: token, profile: profile), task: task)
        box.withLock { $0 = server }
        return server
    }

    /// Stops serving; the port refuses connections when this returns.
    func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    private func handle(_ request: Request, _ body: @Sendable (inout State, Data) throws -> Response) async throws -> Response {
        let bytes = Data(Array(buffer: try await request.body.collect(upTo: 1 << 20)))
        let authorization = request.headers[.authorization] ?? ""
        return try state.withLock { state in
            if let failure = state.failure {
                return Self.problem(HTTPResponse.Status(code: failure), "unavailable", "the admin server is failing")
            }
            guard authorization == "Bearer " + state.token else {
                return Self.problem(.unauthorized, "unauthenticated", "the device token is unknown or was replaced: create a new enrolment token on the device's page")
            }
            return try body(&state, bytes)
        }
    }

    private func profileResponse(_ state: State) throws -> Response {
        var profile = state.profile
        if state.withCertificate, let key = state.publicKey {
            let p12 = try TestMaterial.bytes(TestMaterial.certificate("taxpayer-modern.p12"))
            let bundle = DeviceProfile.CertificateBundle(pkcs12: Data(p12).base64EncodedString(), password: TestMaterial.password)
            let sealed = DeviceEnvelope.seal(Array(try FiscalJSON.encoder().encode(bundle)), to: try DeviceEnvelope.PublicKey(base64: key),
                                             context: DeviceProfile.certificateContext(deviceID: profile.deviceID))
            profile.certificate = DeviceProfile.SealedCertificate(id: "cert-1", notAfter: TestMaterial.taxpayer.certificate.notAfter,
                                                                  envelope: Data(sealed).base64EncodedString())
        }
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try FiscalJSON.encoder().encode(profile))))
    }

    private static func problem(_ status: HTTPResponse.Status, _ code: String, _ message: String, field: String? = nil) -> Response {
        let body = try? JSONSerialization.data(withJSONObject: ["error": ["code": code, "field": field.map { $0 as Any } ?? NSNull(), "message": message]])
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body ?? Data())))
    }
}
