import Foundation
import Synchronization

/// An exclusive `flock` beside the journal, so only one process redelivers its pending documents:
/// `serve` keeps it for its lifetime; a `deliver` or `fiscalize` command takes it per round and
/// skips redelivery while `serve` holds it.
package final class DeliveryLock: Sendable {
    private let path: String
    /// Whether the lock is kept once taken (`serve`).
    package let keep: Bool
    private let descriptor = Mutex<Int32?>(nil)

    package init(path: String, keep: Bool) {
        self.path = path
        self.keep = keep
    }

    /// True when this process holds the lock (now or already).
    package func acquire() -> Bool {
        descriptor.withLock { held in
            if held != nil { return true }
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { return true } // cannot lock (read-only folder): deliver anyway
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                close(fd)
                return false
            }
            held = fd
            return true
        }
    }

    /// Releases the lock after a round, unless this process keeps it (`serve`).
    package func releaseUnlessKept() {
        guard !keep else { return }
        descriptor.withLock { held in
            if let fd = held {
                flock(fd, LOCK_UN)
                close(fd)
            }
            held = nil
        }
    }

    deinit {
        descriptor.withLock { held in
            if let fd = held { close(fd) }
        }
    }
}
