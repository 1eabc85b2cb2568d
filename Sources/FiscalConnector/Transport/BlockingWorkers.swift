import Foundation

/// Threads of the connector's own for blocking work (libcurl, SQLite commits): they start once
/// and wait for jobs, so a request pays no thread creation. More are started while all are busy,
/// so a slow tax authority never queues a fresh invoice behind a stuck one; those extra threads
/// end after `idleTimeout` without work, so an outage leaves no crowd of threads behind.
final class BlockingWorkers: @unchecked Sendable {
    static let shared = BlockingWorkers()

    /// Threads kept waiting for work however long they idle.
    let resident: Int
    /// How long a thread beyond `resident` waits for work before it ends.
    let idleTimeout: TimeInterval

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var idle = 0
    private var threads = 0
    private var started = 0

    init(resident: Int = 4, idleTimeout: TimeInterval = 30) {
        self.resident = resident
        self.idleTimeout = idleTimeout
    }

    /// Threads alive now.
    var threadCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return threads
    }

    func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        // Every waiting job gets a thread of its own: a stuck send never holds back the next one.
        if jobs.count > idle {
            threads += 1
            started += 1
            let thread = Thread { [self] in self.work() }
            thread.name = "fiscal-worker-\(started)"
            thread.stackSize = 1 << 20
            thread.start()
        } else {
            condition.signal()
        }
        condition.unlock()
    }

    private func work() {
        condition.lock()
        while true {
            idle += 1
            while jobs.isEmpty {
                if threads > resident {
                    // Timed out with nothing to do while there are still too many threads: end.
                    if !condition.wait(until: Date().addingTimeInterval(idleTimeout)), jobs.isEmpty, threads > resident {
                        idle -= 1
                        threads -= 1
                        condition.unlock()
                        return
                    }
                } else {
                    condition.wait()
                }
            }
            idle -= 1
            let job = jobs.removeFirst()
            condition.unlock()
            job()
            condition.lock()
        }
    }
}
