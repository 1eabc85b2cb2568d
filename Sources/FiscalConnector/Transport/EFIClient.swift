public import FiscalCore
import Foundation
public import MontenegroFiscal

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
        switch HTTPTransport.perform(HTTPTransport.Request(url: url, headers: headers, body: body, timeoutSeconds: timeoutSeconds, caFile: caFile)) {
        case .failure(let failure):
            return .failed(failure)
        case .success(let answer):
            return interpret(answer, for: message)
        }
    }

    func interpret(_ answer: HTTPTransport.Answer, for message: SignedMessage) -> TransportOutcome {
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
