import CCurl
public import FiscalCore
import Foundation
public import MontenegroFiscal
import Synchronization

/// Sends signed messages to the tax authority over HTTPS (libcurl) and reads the answer.
///
/// A fault is an answer, not a failure: ``TransportOutcome/answered(_:xml:)`` carries it. Only
/// when no usable answer arrives (timeout, connection, TLS, an HTTP error without SOAP, a
/// response whose signature does not verify) is the outcome ``TransportOutcome/failed(_:)``.
public struct EFIClient: Sendable {
    /// The endpoint, e.g. `https://efitest.tax.gov.me/fs-v1`.
    public var url: String
    /// Extra trusted CA certificates for TLS (PEM file).
    public var caFile: String?
    /// Seconds to wait for an answer.
    public var timeoutSeconds: Double
    /// Certificates trusted to sign answers; empty disables the check.
    public var trustedSigners: [Certificate]

    /// Creates a client.
    public init(url: String, caFile: String? = nil, timeoutSeconds: Double = 5, trustedSigners: [Certificate] = []) {
        self.url = url
        self.caFile = caFile
        self.timeoutSeconds = timeoutSeconds
        self.trustedSigners = trustedSigners
    }

    /// Sends one message and waits for the answer, off the cooperative thread pool.
    public func send(_ message: SignedMessage) async -> TransportOutcome {
        let client = self
        return await BlockingWorkers.shared.run { client.sendNow(message) }
    }

    /// Sends one message and waits for the answer, blocking the calling thread.
    public func sendNow(_ message: SignedMessage) -> TransportOutcome {
        let body = Array(message.soapEnvelope.utf8)
        let headers = ["Content-Type: text/xml; charset=utf-8", "SOAPAction: \"\(message.kind.soapAction)\"", "Expect:"]
        let result = Self.post(url: url, body: body, headers: headers, timeout: timeoutSeconds, caFile: caFile)
        switch result {
        case .failure(let failure):
            return .failed(failure)
        case .success(let answer):
            return interpret(answer, for: message)
        }
    }

    func interpret(_ answer: HTTPAnswer, for message: SignedMessage) -> TransportOutcome {
        let response: EFIResponse
        let signature: SignatureCheck?
        do {
            (response, signature) = try ResponseParser.parse(answer.body, verifyingWith: trustedSigners)
        } catch where answer.status >= 400 {
            let text = String(decoding: answer.body.prefix(120), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return .failed(TransportFailure(.unreadableAnswer, "the tax authority answered HTTP \(answer.status)\(text.isEmpty ? "" : ": \(text)")"))
        } catch {
            let excerpt = String(decoding: answer.body.prefix(200), as: UTF8.self)
            return .failed(TransportFailure(.unreadableAnswer, "HTTP \(answer.status) with an answer that is not a SOAP response (\(error.message)): \(excerpt)"))
        }
        let xml = String(decoding: answer.body, as: UTF8.self)
        if case .fault(let fault) = response {
            if let requestUUID = fault.requestUUID, !requestUUID.isEmpty, requestUUID.lowercased() != message.header.uuid.lowercased() {
                return .failed(TransportFailure(.unreadableAnswer, "a fault for request \(requestUUID), not \(message.header.uuid)"))
            }
            return .answered(response, xml: xml)
        }
        guard answer.status == 200 else {
            return .failed(TransportFailure(.unreadableAnswer, "HTTP \(answer.status) with a non-fault answer"))
        }
        if !trustedSigners.isEmpty {
            guard let check = signature, case .valid(let signer) = check else {
                return .failed(TransportFailure(.untrustedAnswer, "the answer's signature does not verify (\(signature.map { "\($0)" } ?? "no signature")); it is not trusted as proof of fiscalization"))
            }
            // A CA also certifies taxpayers: only a configured certificate or the tax authority's own may sign answers.
            guard trustedSigners.contains(signer) || signer.taxpayerTIN?.value == EFIEnvironment.taxAuthorityTIN else {
                return .failed(TransportFailure(.untrustedAnswer, "the answer is signed by \(signer.subject), not by the tax authority"))
            }
        }
        if let requestUUID = response.requestUUID, requestUUID.lowercased() != message.header.uuid.lowercased() {
            return .failed(TransportFailure(.unreadableAnswer, "the answer is for request \(requestUUID), not \(message.header.uuid)"))
        }
        return .answered(response, xml: xml)
    }

    package struct HTTPAnswer: Sendable {
        package let status: Int
        package let body: [UInt8]
    }


    static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    /// Reused easy handles: each keeps its connection to the service alive between requests.
    static let handles = HandlePool()

    final class HandlePool: Sendable {
        private let idle = Mutex<[CurlHandle]>([])

        struct CurlHandle: @unchecked Sendable {
            let pointer: UnsafeMutableRawPointer
        }

        func take() -> UnsafeMutableRawPointer? {
            if let handle = idle.withLock({ $0.popLast() }) {
                curl_easy_reset(handle.pointer)
                return handle.pointer
            }
            return curl_easy_init()
        }

        func give(_ handle: UnsafeMutableRawPointer) {
            let kept = idle.withLock { pool -> Bool in
                guard pool.count < 16 else { return false }
                pool.append(CurlHandle(pointer: handle))
                return true
            }
            if !kept { curl_easy_cleanup(handle) }
        }
    }

    package static func post(url: String, body: [UInt8], headers: [String], timeout: Double, caFile: String?) -> Result<HTTPAnswer, TransportFailure> {
        _ = globalInit
        guard let handle = handles.take() else { return .failure(TransportFailure(.connection, "cannot start an HTTP client (libcurl)")) }
        defer { handles.give(handle) }
        var list: UnsafeMutablePointer<curl_slist>?
        for header in headers { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }
        var buffer = shim_buffer(data: nil, length: 0, limit: 4 << 20, overflow: 0)
        defer { shim_buffer_free(&buffer) }
        let milliseconds = max(1, Int(timeout * 1000))
        var code: CURLcode = CURLE_OK
        withUnsafeMutablePointer(to: &buffer) { sink in body.withUnsafeBufferPointer { bytes in
            shim_setopt_string(handle, CURLOPT_URL, url)
            shim_setopt_long(handle, CURLOPT_POST, 1)
            shim_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
            shim_setopt_long(handle, CURLOPT_POSTFIELDSIZE, bytes.count)
            shim_setopt_list(handle, CURLOPT_HTTPHEADER, list)
            shim_setopt_long(handle, CURLOPT_TIMEOUT_MS, milliseconds)
            shim_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(milliseconds, 10_000))
            shim_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
            shim_setopt_long(handle, CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2))
            shim_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
            shim_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
            shim_setopt_string(handle, CURLOPT_USERAGENT, "fiscal-connector")
            if let caFile { shim_setopt_string(handle, CURLOPT_CAINFO, caFile) }
            shim_collect_body(handle, sink)
            code = curl_easy_perform(handle)
        } }
        guard code == CURLE_OK else {
            let text = String(cString: curl_easy_strerror(code))
            switch code {
            case CURLE_OPERATION_TIMEDOUT:
                return .failure(TransportFailure(.timeout, "no answer within \(timeout) s from \(url)"))
            case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_CERTPROBLEM:
                return .failure(TransportFailure(.tls, "TLS with \(url) failed: \(text)"))
            case CURLE_WRITE_ERROR where buffer.overflow != 0:
                return .failure(TransportFailure(.unreadableAnswer, "the answer exceeds 4 MB"))
            default:
                return .failure(TransportFailure(.connection, "cannot reach \(url): \(text)"))
            }
        }
        var status = 0
        shim_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        let bytes = buffer.data.map { pointer in
            pointer.withMemoryRebound(to: UInt8.self, capacity: buffer.length) { Array(UnsafeBufferPointer(start: $0, count: buffer.length)) }
        } ?? []
        return .success(HTTPAnswer(status: status, body: bytes))
    }
}

/// What became of one attempt to deliver a message.
public enum TransportOutcome: Sendable {
    /// The tax authority answered: a registration or a fault.
    case answered(EFIResponse, xml: String)
    /// No usable answer.
    case failed(TransportFailure)
}

/// Why no usable answer arrived.
public struct TransportFailure: CodedError {
    /// The closed set of reasons.
    public enum Code: String, Sendable, Codable {
        /// No answer in time.
        case timeout
        /// No connection (refused, DNS, network down).
        case connection
        /// TLS handshake or certificate verification failed.
        case tls
        /// An answer that is not a readable SOAP response.
        case unreadableAnswer
        /// An answer whose signature does not verify.
        case untrustedAnswer
    }

    /// What went wrong.
    public let code: Code
    /// Details.
    public let message: String

    /// Creates a failure.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }


}

extension EFIResponse {
    /// The UUID of the request this answers, when stated.
    public var requestUUID: String? {
        switch self {
        case .invoice(let header, _), .tcr(let header, _), .cashDeposit(let header, _): header.requestUUID
        case .fault(let fault): fault.requestUUID
        }
    }
}
