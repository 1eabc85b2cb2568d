import FiscalCore
import Foundation

/// The fiscal-admin server's device endpoints, as JSON over HTTP (``HTTPTransport``), with the
/// device token as bearer. Every failure comes back as an ``EnrolmentError`` whose code tells an
/// outage (keep working from cached files) from a refusal (fix the token or the device).
struct AdminClient: Sendable {
    /// The server's base URL without a trailing slash, e.g. `http://127.0.0.1:8080`.
    let baseURL: String
    /// The device token (`fdt_…`); never logged, never in a message.
    let token: String
    /// Seconds to wait for each exchange.
    let timeoutSeconds: Double

    /// The body of `POST /api/v1/device/enrol`.
    private struct EnrolRequest: Encodable {
        let publicKey: String
        enum CodingKeys: String, CodingKey { case publicKey = "public_key" }
    }

    /// The body of every error answer.
    private struct Problem: Decodable {
        struct Detail: Decodable {
            let code: String
            let field: String?
            let message: String
        }
        let error: Detail
    }

    /// Checks and normalizes a base URL given by a person: http(s), a host, no trailing slash;
    /// plain HTTP only to this machine, because the token it carries can enrol a new key.
    static func normalizedBaseURL(_ text: String) throws(EnrolmentError) -> String {
        var url = text.trimmingCharacters(in: .whitespaces)
        while url.hasSuffix("/") { url.removeLast() }
        let lowered = url.lowercased()
        guard lowered.hasPrefix("https://") || lowered.hasPrefix("http://"), LoopbackAddress.host(ofURL: url) != nil,
              URLComponents(string: url)?.query == nil else {
            throw EnrolmentError(.invalidInput, "--admin '\(text)' is not the admin server's address: give its base URL, e.g. https://admin.example.com or http://127.0.0.1:8080")
        }
        if lowered.hasPrefix("http://"), !LoopbackAddress.isLoopbackURL(url) {
            throw EnrolmentError(.invalidInput, "--admin '\(text)' is plain HTTP to another machine: the device token would cross the network unencrypted; use https://, or http:// only to this machine (e.g. a local TLS-terminating proxy)")
        }
        return url
    }

    /// Registers the device's public key and returns its profile, certificate sealed to that key.
    func enrol(publicKey: DeviceEnvelope.PublicKey) async throws(EnrolmentError) -> DeviceProfile {
        try await call("POST", "/api/v1/device/enrol", body: EnrolRequest(publicKey: publicKey.base64))
    }

    /// The device's current profile.
    func profile() async throws(EnrolmentError) -> DeviceProfile {
        try await call("GET", "/api/v1/device/profile", body: Optional<DeviceHeartbeat>.none)
    }

    /// Reports the connector's state.
    func heartbeat(_ report: DeviceHeartbeat) async throws(EnrolmentError) {
        let _: Empty = try await call("POST", "/api/v1/device/heartbeat", body: report)
    }

    /// An answer without a body (204).
    private struct Empty: Decodable {}

    /// One JSON exchange: encodes `body` with ``FiscalJSON``, decodes a 2xx answer into `Answer`
    /// and any other answer into an error with the server's code and message.
    private func call<Body: Encodable, Answer: Decodable>(_ method: String, _ path: String, body: Body?) async throws(EnrolmentError) -> Answer {
        let url = baseURL + path
        var headers = ["Authorization: Bearer \(token)", "Accept: application/json", "Expect:"]
        var bytes: [UInt8] = []
        if let body {
            do {
                bytes = Array(try FiscalJSON.encoder().encode(body))
            } catch {
                throw EnrolmentError(.badAnswer, "cannot encode the request to \(path): \(error)")
            }
            headers.append("Content-Type: application/json")
        }
        let answer: HTTPTransport.Answer
        switch await HTTPTransport.send(HTTPTransport.Request(method: method, url: url, headers: headers, body: bytes, timeoutSeconds: timeoutSeconds)) {
        case .failure(let failure):
            throw EnrolmentError(.unreachable, "no answer from the admin server (\(failure.message)); check its address and the network")
        case .success(let received):
            answer = received
        }
        guard (200..<300).contains(answer.status) else { throw Self.refusal(answer, path: path) }
        if Answer.self == Empty.self, let empty = Empty() as? Answer { return empty }
        do {
            return try FiscalJSON.decoder().decode(Answer.self, from: Data(answer.body))
        } catch {
            throw EnrolmentError(.badAnswer, "the admin server's answer to \(path) is not what this connector (\(Connector.version)) understands: \(error); check that --admin names the fiscal-admin server", status: answer.status)
        }
    }

    /// The error for a non-2xx answer.
    private static func refusal(_ answer: HTTPTransport.Answer, path: String) -> EnrolmentError {
        let problem = try? FiscalJSON.decoder().decode(Problem.self, from: Data(answer.body))
        let said = problem.map { ": \($0.error.message)\($0.error.field.map { " (field \($0))" } ?? "")" } ?? ""
        let status = answer.status
        switch status {
        case 401:
            return EnrolmentError(.unauthorized, "the admin server does not accept this device token (HTTP 401): it is unknown or was replaced; create a new enrolment token on the device's page in fiscal-admin and run 'fiscal-connector enroll' with it",
                                  status: status, serverCode: problem?.error.code)
        case 400..<500:
            let fix = status == 429 ? "; wait a minute and try again" : status == 404 && problem == nil ? "; check that --admin names the fiscal-admin server" : ""
            return EnrolmentError(.refused, "the admin server refused \(path) (HTTP \(status)\(said))\(fix)", status: status, serverCode: problem?.error.code)
        case 500..<600:
            return EnrolmentError(.unavailable, "the admin server cannot serve \(path) now (HTTP \(status)\(said)); it is retried later", status: status, serverCode: problem?.error.code)
        default:
            return EnrolmentError(.badAnswer, "the admin server answered \(path) with HTTP \(status)", status: status)
        }
    }
}
