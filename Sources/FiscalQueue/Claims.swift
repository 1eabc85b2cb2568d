import Foundation
import Synchronization

/// The references this process is issuing or sending right now, so the same document is never sent
/// twice at once. A caller that finds a reference held waits and is woken when it is released, in
/// arrival order (no polling). A lock rather than an actor: ``release(_:)`` runs in `defer`, which cannot await.
package final class Claims: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Bool, Never>
        var timer: Task<Void, Never>?
    }

    private struct State {
        var held: Set<String> = []
        var waiters: [String: [Waiter]] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    package init() {}

    /// Claims `reference` if nobody holds it; false otherwise.
    package func claim(_ reference: String) -> Bool {
        state.withLock { $0.held.insert(reference).inserted }
    }

    /// Whether `reference` is held now.
    package func isHeld(_ reference: String) -> Bool {
        state.withLock { $0.held.contains(reference) }
    }

    /// How many callers wait for `reference` now.
    package func waiting(_ reference: String) -> Int {
        state.withLock { $0.waiters[reference]?.count ?? 0 }
    }

    /// Claims `reference`, waiting up to `timeout` while another call holds it. False when it is
    /// still held then, or when the task is cancelled.
    package func acquire(_ reference: String, within timeout: Duration) async -> Bool {
        if claim(reference) { return true }
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let queued = state.withLock { state -> Bool in
                    // Released between the first try and now: take it.
                    if state.held.insert(reference).inserted { return false }
                    state.waiters[reference, default: []].append(Waiter(id: id, continuation: continuation))
                    return true
                }
                guard queued else { return continuation.resume(returning: true) }
                let timer = Task { [self] in
                    try? await Task.sleep(for: timeout)
                    giveUp(reference, id)
                }
                let orphaned = state.withLock { state -> Bool in
                    guard let index = state.waiters[reference]?.firstIndex(where: { $0.id == id }) else { return true }
                    state.waiters[reference]?[index].timer = timer
                    return false
                }
                // Already woken or given up before the timer was stored: it has nothing to do.
                if orphaned { timer.cancel() }
            }
        } onCancel: {
            giveUp(reference, id)
        }
    }

    /// Releases `reference`, handing it to the longest waiting caller if any.
    package func release(_ reference: String) {
        let next = state.withLock { state -> Waiter? in
            guard var queue = state.waiters[reference], !queue.isEmpty else {
                state.held.remove(reference)
                return nil
            }
            let next = queue.removeFirst()
            state.waiters[reference] = queue.isEmpty ? nil : queue
            return next // the reference stays held: it passes to `next`
        }
        next?.timer?.cancel()
        next?.continuation.resume(returning: true)
    }

    private func giveUp(_ reference: String, _ id: UInt64) {
        let waiter = state.withLock { state -> Waiter? in
            guard let index = state.waiters[reference]?.firstIndex(where: { $0.id == id }) else { return nil }
            let waiter = state.waiters[reference]!.remove(at: index)
            if state.waiters[reference]!.isEmpty { state.waiters[reference] = nil }
            return waiter
        }
        waiter?.timer?.cancel()
        waiter?.continuation.resume(returning: false)
    }
}
