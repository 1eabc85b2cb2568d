public import Foundation

/// Sign-in rate limiting as a state machine: after `freeAttempts` failures for one key (an account
/// name, or a client address) within `window`, each further attempt must wait, doubling from
/// `baseDelay` up to `maximumDelay`. A success clears the key. Sign-in counts each attempt under
/// the account at its address and under the address alone, so neither password guessing on one
/// account nor spraying many accounts from one address gets far, while failures from elsewhere
/// never lock the owner out. Times are passed in, so the machine is tested without sleeping.
public struct SignInThrottle: Sendable {
    /// What the throttle decides for an attempt.
    public enum Decision: Sendable, Equatable {
        /// Go ahead and check the password.
        case allowed
        /// Refuse without checking; try again after this many seconds.
        case wait(seconds: Int)
    }

    struct Record: Sendable {
        var failures: Int
        var lastFailure: Date
    }

    /// Failures allowed before delays start.
    public let freeAttempts: Int
    /// How long failures are remembered after the wait they impose.
    public let window: TimeInterval
    /// The first delay.
    public let baseDelay: TimeInterval
    /// The longest delay.
    public let maximumDelay: TimeInterval
    /// At most this many keys are remembered; the oldest are forgotten first.
    public let capacity: Int
    private var records: [String: Record] = [:]

    /// Creates a throttle; the defaults allow 5 failures, then wait 2, 4, 8 … s up to 15 min.
    public init(freeAttempts: Int = 5, window: TimeInterval = 15 * 60, baseDelay: TimeInterval = 2, maximumDelay: TimeInterval = 15 * 60, capacity: Int = 100_000) {
        self.freeAttempts = freeAttempts
        self.window = window
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
        self.capacity = capacity
    }

    /// Whether an attempt for `key` may go ahead at `now`.
    public func decision(for key: String, at now: Date) -> Decision {
        guard let record = records[key], isRemembered(record, at: now) else { return .allowed }
        let remaining = record.lastFailure.addingTimeInterval(delay(afterFailures: record.failures)).timeIntervalSince(now)
        return remaining > 0 ? .wait(seconds: Int(remaining.rounded(.up))) : .allowed
    }

    /// The wait after `failures` failures: none within the free attempts, then doubling to the cap.
    func delay(afterFailures failures: Int) -> TimeInterval {
        guard failures >= freeAttempts else { return 0 }
        return min(baseDelay * Double(1 << min(failures - freeAttempts, 30)), maximumDelay)
    }

    /// Failures are remembered for `window` after the wait they impose has ended, so waiting out
    /// the longest delay does not reset the count.
    func isRemembered(_ record: Record, at now: Date) -> Bool {
        now.timeIntervalSince(record.lastFailure) < delay(afterFailures: record.failures) + window
    }

    /// Records a failed attempt.
    public mutating func recordFailure(for key: String, at now: Date) {
        if var record = records[key], isRemembered(record, at: now) {
            record.failures += 1
            record.lastFailure = now
            records[key] = record
        } else {
            if records.count >= capacity { forgetOldest(now: now) }
            records[key] = Record(failures: 1, lastFailure: now)
        }
    }

    /// Checks every key and, when all allow the attempt, counts it against each as a failure
    /// before the password is checked, so concurrent attempts cannot all slip through the free
    /// ones; ``recordSuccess(for:)`` and ``withdraw(for:)`` settle the count afterwards.
    public mutating func admit(_ keys: [String], at now: Date) -> Decision {
        let waits = keys.compactMap { key -> Int? in
            if case .wait(let seconds) = decision(for: key, at: now) { return seconds }
            return nil
        }
        if let longest = waits.max() { return .wait(seconds: longest) }
        keys.forEach { recordFailure(for: $0, at: now) }
        return .allowed
    }

    /// Takes back one attempt counted by ``admit(_:at:)`` that turned out not to be a failure.
    public mutating func withdraw(for key: String) {
        guard var record = records[key] else { return }
        record.failures -= 1
        records[key] = record.failures > 0 ? record : nil
    }

    /// Records a success, which forgets the key's failures.
    public mutating func recordSuccess(for key: String) {
        records[key] = nil
    }

    /// How many keys are remembered.
    public var count: Int { records.count }

    private mutating func forgetOldest(now: Date) {
        records = records.filter { isRemembered($0.value, at: now) }
        while records.count >= capacity, let oldest = records.min(by: { $0.value.lastFailure < $1.value.lastFailure }) {
            records[oldest.key] = nil
        }
    }
}
