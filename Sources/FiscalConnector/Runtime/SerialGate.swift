/// Runs async operations one after another, in call order, each to completion (an actor alone
/// would interleave them at every suspension point).
package actor SerialGate {
    private var tail: Task<Void, Never>?

    /// Creates a gate with nothing running.
    package init() {}

    /// Runs `operation` after every operation submitted before it has finished.
    package func run<T: Sendable>(_ operation: @escaping @Sendable () async -> T) async -> T {
        let previous = tail
        let task = Task {
            await previous?.value
            return await operation()
        }
        tail = Task { _ = await task.value }
        return await task.value
    }
}
