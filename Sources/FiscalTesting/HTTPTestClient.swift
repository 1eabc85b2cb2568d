public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

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

    /// Sends one request.
    public static func send(_ method: String, _ url: String, token: String? = "test-token", contentType: String? = nil, body: Data? = nil) async throws -> Answer {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 30
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        return Answer(status: http?.statusCode ?? 0, contentType: http?.value(forHTTPHeaderField: "Content-Type"), body: data)
    }
}
