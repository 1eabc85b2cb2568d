public import Foundation

/// When pending documents are sent again: a grace period for documents whose first send may still
/// be under way in another process, and a doubling backoff after failed attempts.
public struct DeliveryPolicy: Sendable, Equatable {
    /// Seconds a document without attempts is left to the call that issued it.
    public var graceSeconds: TimeInterval
    /// The longest wait between two attempts.
    public var maxBackoffSeconds: TimeInterval

    public init(graceSeconds: TimeInterval, maxBackoffSeconds: TimeInterval) {
        self.graceSeconds = graceSeconds
        self.maxBackoffSeconds = maxBackoffSeconds
    }

    /// Seconds to wait after `failures` failed attempts: 5, 10, 20 … up to ``maxBackoffSeconds``.
    public func backoff(afterFailures failures: Int) -> TimeInterval {
        guard failures > 0 else { return 0 }
        return min(maxBackoffSeconds, 5 * pow(2, Double(min(failures - 1, 20))))
    }
}

/// What one redelivery round did, by reference.
public struct DeliveryReport: Sendable, Codable, Equatable {
    /// Accepted now.
    public var fiscalized: [String] = []
    /// Refused for good now.
    public var rejected: [String] = []
    /// Tried and still pending.
    public var stillPending: [String] = []
    /// Not tried in this round: in their grace period or backoff, or behind an unreachable authority.
    public var waiting: [String] = []

    public init(fiscalized: [String] = [], rejected: [String] = [], stillPending: [String] = [], waiting: [String] = []) {
        self.fiscalized = fiscalized
        self.rejected = rejected
        self.stillPending = stillPending
        self.waiting = waiting
    }

    enum CodingKeys: String, CodingKey {
        case fiscalized, rejected, stillPending = "still_pending", waiting
    }
}

/// One redelivery round over the pending documents, oldest first, as a state machine: it decides
/// which document to send next and when to stop, and the caller does the sending and reports back.
/// It knows neither the clock nor the network, so every decision is testable with plain values.
///
/// ```swift
/// var round = DeliveryRound(pending: items, now: now, force: false, policy: policy)
/// while case .deliver(let reference) = round.next() {
///     round.delivered(reference, await send(reference))
/// }
/// return round.report
/// ```
public struct DeliveryRound: Sendable {
    /// A pending document as the round sees it.
    public struct Pending: Sendable, Equatable {
        public var reference: String
        /// When it was journaled.
        public var journaledAt: Date
        /// Attempts so far.
        public var attempts: Int
        /// When the last attempt's outcome was known.
        public var lastAttemptAt: Date?

        public init(reference: String, journaledAt: Date, attempts: Int, lastAttemptAt: Date?) {
            self.reference = reference
            self.journaledAt = journaledAt
            self.attempts = attempts
            self.lastAttemptAt = lastAttemptAt
        }
    }

    /// How a delivery the caller made ended.
    public enum Delivery: Sendable, Equatable {
        /// Accepted.
        case fiscalized
        /// Refused for good.
        case rejected
        /// Still pending; `authorityUnreachable` when the authority could not be reached at all,
        /// which ends the round: the rest would fail the same way.
        case pending(authorityUnreachable: Bool)
        /// Not sent after all: another call holds it, or it was settled meanwhile.
        case skipped
    }

    /// What to do next.
    public enum Action: Sendable, Equatable {
        /// Send this document again, then report with ``DeliveryRound/delivered(_:_:)``.
        case deliver(String)
        /// The round is over: ``DeliveryRound/report`` says what it did.
        case finished
    }

    private let now: Date
    private let force: Bool
    private let policy: DeliveryPolicy
    private var queue: ArraySlice<Pending>
    private var awaiting: String?
    /// What the round did so far.
    public private(set) var report = DeliveryReport()

    /// A round over `pending` (oldest first) at `now`; `force` ignores grace periods and backoff.
    public init(pending: [Pending], now: Date, force: Bool, policy: DeliveryPolicy) {
        self.now = now
        self.force = force
        self.policy = policy
        self.queue = pending[...]
    }

    /// A round that cannot run because another process is redelivering the same journal: everything waits.
    public static func heldElsewhere(_ pending: [Pending]) -> DeliveryReport {
        DeliveryReport(waiting: pending.map(\.reference))
    }

    /// The next action. Call ``delivered(_:_:)`` after every `.deliver` before asking again.
    public mutating func next() -> Action {
        precondition(awaiting == nil, "DeliveryRound.next() called before the outcome of \(awaiting ?? "") was reported")
        while let item = queue.popFirst() {
            if !force, isWaiting(item) {
                report.waiting.append(item.reference)
                continue
            }
            awaiting = item.reference
            return .deliver(item.reference)
        }
        return .finished
    }

    /// Records how the delivery of `reference` ended.
    public mutating func delivered(_ reference: String, _ delivery: Delivery) {
        precondition(awaiting == reference, "DeliveryRound.delivered(\(reference)) does not answer .deliver(\(awaiting ?? "nothing"))")
        awaiting = nil
        switch delivery {
        case .fiscalized: report.fiscalized.append(reference)
        case .rejected: report.rejected.append(reference)
        case .skipped: break
        case .pending(let unreachable):
            report.stillPending.append(reference)
            if unreachable {
                report.waiting += queue.map(\.reference)
                queue = []
            }
        }
    }

    private func isWaiting(_ item: Pending) -> Bool {
        guard let last = item.lastAttemptAt else {
            // Without an attempt it may still be on its way from the process that issued it.
            return item.attempts == 0 && now.timeIntervalSince(item.journaledAt) < policy.graceSeconds
        }
        return now.timeIntervalSince(last) < policy.backoff(afterFailures: item.attempts)
    }
}
