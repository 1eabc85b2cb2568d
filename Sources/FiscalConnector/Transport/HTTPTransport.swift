import CCurl
import FiscalCore
import Foundation
import Synchronization

/// One HTTP exchange over libcurl, shared by the tax authority's client (SOAP) and the admin
/// server's client (JSON). Blocking: run it on ``BlockingWorkers`` (``send(_:)`` does).
package enum HTTPTransport {
    /// What to send.
    package struct Request: Sendable {
        /// `GET` or `POST`.
        package var method: String
        /// The full URL.
        package var url: String
        /// Header lines such as `Content-Type: application/json`.
        package var headers: [String]
        /// The body (`POST` only).
        package var body: [UInt8]
        /// Seconds to wait for the whole exchange.
        package var timeoutSeconds: Double
        /// Extra trusted CA certificates for TLS (PEM file).
        package var caFile: String?

        /// Creates a request.
        package init(method: String = "POST", url: String, headers: [String], body: [UInt8] = [], timeoutSeconds: Double, caFile: String? = nil) {
            self.method = method
            self.url = url
            self.headers = headers
            self.body = body
            self.timeoutSeconds = timeoutSeconds
            self.caFile = caFile
        }
    }

    /// What came back.
    package struct Answer: Sendable {
        /// The HTTP status.
        package let status: Int
        /// The body.
        package let body: [UInt8]
    }

    /// The largest answer read; more is a failure.
    static let answerLimit = 4 << 20

    /// Sends a request on one of the process's blocking threads.
    package static func send(_ request: Request) async -> Result<Answer, TransportFailure> {
        await BlockingWorkers.shared.run { perform(request) }
    }

    /// Sends a request, blocking the calling thread.
    package static func perform(_ request: Request) -> Result<Answer, TransportFailure> {
        _ = globalInit
        let url = request.url
        guard let handle = handles.take() else { return .failure(TransportFailure(.connection, "cannot start an HTTP client (libcurl)")) }
        defer { handles.give(handle) }
        var list: UnsafeMutablePointer<curl_slist>?
        for header in request.headers { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }
        var buffer = shim_buffer(data: nil, length: 0, limit: answerLimit, overflow: 0)
        defer { shim_buffer_free(&buffer) }
        let milliseconds = max(1, Int(request.timeoutSeconds * 1000))
        var code: CURLcode = CURLE_OK
        withUnsafeMutablePointer(to: &buffer) { sink in request.body.withUnsafeBufferPointer { bytes in
            shim_setopt_string(handle, CURLOPT_URL, url)
            if request.method == "GET" {
                shim_setopt_long(handle, CURLOPT_HTTPGET, 1)
            } else {
                shim_setopt_long(handle, CURLOPT_POST, 1)
                shim_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
                shim_setopt_long(handle, CURLOPT_POSTFIELDSIZE, bytes.count)
                if request.method != "POST" { shim_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method) }
            }
            shim_setopt_list(handle, CURLOPT_HTTPHEADER, list)
            shim_setopt_long(handle, CURLOPT_TIMEOUT_MS, milliseconds)
            shim_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(milliseconds, 10_000))
            shim_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
            shim_setopt_long(handle, CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2))
            shim_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
            shim_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
            shim_setopt_string(handle, CURLOPT_USERAGENT, "fiscal-connector/\(Connector.version)")
            if let caFile = request.caFile { shim_setopt_string(handle, CURLOPT_CAINFO, caFile) }
            shim_collect_body(handle, sink)
            code = curl_easy_perform(handle)
        } }
        guard code == CURLE_OK else {
            let text = String(cString: curl_easy_strerror(code))
            switch code {
            case CURLE_OPERATION_TIMEDOUT:
                return .failure(TransportFailure(.timeout, "no answer within \(request.timeoutSeconds) s from \(url)"))
            case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_CERTPROBLEM:
                return .failure(TransportFailure(.tls, "TLS with \(url) failed: \(text)"))
            case CURLE_WRITE_ERROR where buffer.overflow != 0:
                return .failure(TransportFailure(.unreadableAnswer, "the answer from \(url) exceeds \(answerLimit >> 20) MB"))
            default:
                return .failure(TransportFailure(.connection, "cannot reach \(url): \(text)"))
            }
        }
        var status = 0
        shim_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        let bytes = buffer.data.map { pointer in
            pointer.withMemoryRebound(to: UInt8.self, capacity: buffer.length) { Array(UnsafeBufferPointer(start: $0, count: buffer.length)) }
        } ?? []
        return .success(Answer(status: status, body: bytes))
    }

    /// libcurl's process-wide set-up, done once before the first request.
    static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    /// Reused easy handles: each keeps its connection alive between requests.
    static let handles = HandlePool()

    /// Idle libcurl easy handles.
    final class HandlePool: Sendable {
        private let idle = Mutex<[CurlHandle]>([])

        /// An easy handle; only one thread uses it at a time (taken from the pool, given back).
        struct CurlHandle: @unchecked Sendable {
            let pointer: UnsafeMutableRawPointer
        }

        /// An idle handle reset to defaults, or a new one.
        func take() -> UnsafeMutableRawPointer? {
            if let handle = idle.withLock({ $0.popLast() }) {
                curl_easy_reset(handle.pointer)
                return handle.pointer
            }
            return curl_easy_init()
        }

        /// Returns a handle for reuse (at most 16 are kept).
        func give(_ handle: UnsafeMutableRawPointer) {
            let kept = idle.withLock { pool -> Bool in
                guard pool.count < 16 else { return false }
                pool.append(CurlHandle(pointer: handle))
                return true
            }
            if !kept { curl_easy_cleanup(handle) }
        }
    }
}
