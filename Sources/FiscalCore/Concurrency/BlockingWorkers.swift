package import Foundation

/// Threads of our own for blocking work (libcurl, SQLite commits, PostgreSQL round trips): they start once
/// and wait for jobs, so a request pays no thread creation. More are started while all are busy,
/// so a slow tax authority never queues a fresh invoice behind a stuck one; those extra threads
/// end after `idleTimeout` without work, so an outage leaves no crowd of threads behind.
package final class BlockingWorkers: @unchecked Sendable {
    /// The process's pool.
    package static let shared = BlockingWorkers()

    /// Threads kept waiting for work however long they idle.
    package let resident: Int
    /// How long a thread beyond `resident` waits for work before it ends.
    package let idleTimeout: TimeInterval

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var idle = 0
    private var threads = 0
    private var started = 0

    /// Creates a pool; threads start on demand.
    package init(resident: Int = 4, idleTimeout: TimeInterval = 30) {
        self.resident = resident
        self.idleTimeout = idleTimeout
    }

    /// Threads alive now.
    package var threadCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return threads
    }

    /// Runs `job` on a waiting thread, or a new one when all are busy.
    package func submit(_ job: @escaping @Sendable () -> Void) {
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

    /// Runs blocking work on one of the pool's threads and waits for it without blocking the
    /// caller's thread. Not on Dispatch's global queues: their threads are shared with Swift
    /// concurrency on Linux, and a few blocked calls would starve it.
    package func run<T: Sendable, E: Error>(_ work: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            submit {
                do throws(E) { continuation.resume(returning: .success(try work())) } catch { continuation.resume(returning: .failure(error)) }
            }
        }
        return try result.get()
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
