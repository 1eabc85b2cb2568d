#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import Foundation

/// A client that sends the start of a request over a raw socket and then goes silent, the way a
/// slow-loris attacker holds server connections: measures how long the server keeps it open.
public enum HalfSentRequest {
    /// Connects to 127.0.0.1:`port`, sends `bytes`, and waits up to `limit` seconds for the server
    /// to close the connection; returns the seconds it took, or `nil` when it was still open.
    public static func secondsUntilClosed(port: Int, sending bytes: String, limit: TimeInterval) -> TimeInterval? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let started = Date()
        let data = Array(bytes.utf8)
        guard send(descriptor, data, data.count, 0) == data.count else { return nil }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date().timeIntervalSince(started) < limit {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            // 0: closed by the server; an error other than the receive timeout: reset.
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { return Date().timeIntervalSince(started) }
        }
        return nil
    }
}
