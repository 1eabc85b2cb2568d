import FiscalCore
import Synchronization

/// Runs the back office's expensive work (scrypt, opening PKCS#12 files) on worker threads, at
/// most `limit` at a time, with at most `queueLimit` waiting: a flood of sign-ins or uploads costs
/// a bounded amount of memory and CPU and is answered "busy" (503) beyond that, instead of taking
/// Swift concurrency's threads or the server's memory (scrypt needs 32 MiB per hash).
package final class CPUGate: Sendable {
    private struct State {
        var running = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    let limit: Int
    let queueLimit: Int
    private let state = Mutex(State())

    package init(limit: Int, queueLimit: Int = 64) {
        self.limit = max(1, limit)
        self.queueLimit = queueLimit
    }

    /// Runs `work` on a worker thread once a slot is free.
    package func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await enter()
        defer { leave() }
        let result: Result<T, any Error> = await BlockingWorkers.shared.run { Result { try work() } }
        return try result.get()
    }

    private func enter() async throws {
        enum Admission { case now, wait, refuse }
        let admission = state.withLock { state -> Admission in
            if state.running < limit {
                state.running += 1
                return .now
            }
            return state.waiting.count < queueLimit ? .wait : .refuse
        }
        switch admission {
        case .now: return
        case .refuse: throw AdminError(.unavailable, "the server is busy checking passwords and certificates; try again in a few seconds")
        case .wait:
            await withCheckedContinuation { continuation in
                let admitted = state.withLock { state -> Bool in
                    if state.running < limit {
                        state.running += 1
                        return true
                    }
                    state.waiting.append(continuation)
                    return false
                }
                if admitted { continuation.resume() }
            }
        }
    }

    private func leave() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            // A slot passes straight to the next waiter, so `running` stays counted.
            if state.waiting.isEmpty {
                state.running -= 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
