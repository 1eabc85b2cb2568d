public import FiscalCore
import Foundation

/// Checks that a TCP address can be listened on, before a command creates anything: a port in
/// use is reported in a sentence, not as a socket error after files were written.
public enum ListenCheck {
    /// Throws when `host:port` cannot be bound now (port 0 always can). The server binds with
    /// `SO_REUSEADDR` as this check does, so a port held only by closed connections passes.
    public static func check(host: String, port: Int) throws(ListenError) {
        guard port != 0 else { return }
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw ListenError(.unavailable, "\(address) is not an address of this machine")
        }
        defer { freeaddrinfo(list) }
        var failure: Int32 = 0
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            candidate = info.pointee.ai_next
            let socket = Foundation.socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard socket >= 0 else { continue }
            defer { close(socket) }
            var yes: Int32 = 1
            setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
            if bind(socket, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return }
            failure = errno
        }
        switch failure {
        case EADDRINUSE: throw ListenError(.inUse, "\(address) is in use")
        case EACCES: throw ListenError(.notPermitted, "\(address) needs privileges this user does not have")
        default: throw ListenError(.unavailable, "\(address) cannot be listened on (\(String(cString: strerror(failure))))")
        }
    }
}

/// Why an address cannot be listened on.
public struct ListenError: CodedError {
    /// The closed set of reasons.
    public enum Code: String, Sendable {
        /// Another process listens there.
        case inUse
        /// A privileged port.
        case notPermitted
        /// Not an address of this machine, or another socket error.
        case unavailable
    }

    /// Which reason.
    public let code: Code
    /// The address and what is wrong with it; the caller adds how to fix it.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}
