public import Foundation

/// A plain HTTP client for tests against local servers.
public enum HTTPTestClient {
    /// An answer.
    public struct Answer: Sendable {
        /// HTTP status.
        public let status: Int
        /// Content-Type header.
        public let contentType: String?
        /// Body.
        public let body: Data

        /// The body as JSON object.
        public var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
    }

    private static let client = WebClient(base: "")

    /// Sends one request to a full URL (through ``WebClient``).
    public static func send(_ method: String, _ url: String, token: String? = "test-token", contentType: String? = nil, body: Data? = nil) async throws -> Answer {
        let answer = try await client.send(method, url, body: body, contentType: contentType, headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:])
        return Answer(status: answer.status, contentType: answer.headers["content-type"], body: answer.body)
    }
}
