import Foundation

/// Threads of the connector's own for blocking work (libcurl, SQLite commits): they start once
/// and wait for jobs, so a request pays no thread creation. More are started while all are busy,
/// so a slow tax authority never queues a fresh invoice behind a stuck one.
final class BlockingWorkers: @unchecked Sendable {
    static let shared = BlockingWorkers()

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var idle = 0
    private var threads = 0

    func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        // Every waiting job gets a thread of its own: a stuck send never holds back the next one.
        if jobs.count > idle {
            threads += 1
            let thread = Thread { [unowned self] in self.work() }
            thread.name = "fiscal-worker-\(threads)"
            thread.stackSize = 1 << 20
            thread.start()
        } else {
            condition.signal()
        }
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            idle += 1
            while jobs.isEmpty { condition.wait() }
            idle -= 1
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
