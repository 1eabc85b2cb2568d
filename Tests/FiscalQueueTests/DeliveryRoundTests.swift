import FiscalQueue
import Foundation
import Testing

/// The redelivery round decides without clock or network: every case is plain values in, actions out.
@Suite struct DeliveryRoundTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let policy = DeliveryPolicy(graceSeconds: 25, maxBackoffSeconds: 300)

    func pending(_ reference: String, journaled secondsAgo: TimeInterval, attempts: Int = 0, lastAttempt lastAgo: TimeInterval? = nil) -> DeliveryRound.Pending {
        DeliveryRound.Pending(reference: reference, journaledAt: now - secondsAgo, attempts: attempts, lastAttemptAt: lastAgo.map { now - $0 })
    }

    /// Runs a round to its end, answering every delivery with `answer`, and returns the references sent.
    func run(_ round: inout DeliveryRound, _ answer: (String) -> DeliveryRound.Delivery) -> [String] {
        var sent: [String] = []
        while case .deliver(let reference) = round.next() {
            sent.append(reference)
            round.delivered(reference, answer(reference))
        }
        return sent
    }

    @Test func backoffDoublesFromFiveSecondsUpToTheMaximum() {
        #expect((0...8).map { policy.backoff(afterFailures: $0) } == [0, 5, 10, 20, 40, 80, 160, 300, 300])
        #expect(policy.backoff(afterFailures: 10_000) == 300)
    }

    @Test func aFreshDocumentIsLeftToTheCallThatIssuedItUntilItsGracePeriodEnds() {
        var round = DeliveryRound(pending: [pending("NEW", journaled: 10), pending("OLD", journaled: 26)], now: now, force: false, policy: policy)
        #expect(run(&round) { _ in .fiscalized } == ["OLD"])
        #expect(round.report == DeliveryReport(fiscalized: ["OLD"], waiting: ["NEW"]))
    }

    @Test func aFailedDocumentWaitsOutItsBackoff() {
        let items = [
            pending("TWO-FAILURES-8S-AGO", journaled: 600, attempts: 2, lastAttempt: 8),    // waits 10 s
            pending("TWO-FAILURES-11S-AGO", journaled: 600, attempts: 2, lastAttempt: 11),
            pending("NINE-FAILURES-299S-AGO", journaled: 9_000, attempts: 9, lastAttempt: 299), // capped at 300 s
        ]
        var round = DeliveryRound(pending: items, now: now, force: false, policy: policy)
        #expect(run(&round) { _ in .pending(authorityUnreachable: false) } == ["TWO-FAILURES-11S-AGO"])
        #expect(round.report.waiting == ["TWO-FAILURES-8S-AGO", "NINE-FAILURES-299S-AGO"])
        #expect(round.report.stillPending == ["TWO-FAILURES-11S-AGO"])
    }

    @Test func forceSendsEverythingAtOnceOldestFirst() {
        let items = [pending("A", journaled: 1), pending("B", journaled: 600, attempts: 3, lastAttempt: 1)]
        var round = DeliveryRound(pending: items, now: now, force: true, policy: policy)
        #expect(run(&round) { $0 == "A" ? .rejected : .fiscalized } == ["A", "B"])
        #expect(round.report == DeliveryReport(fiscalized: ["B"], rejected: ["A"]))
    }

    @Test func anUnreachableAuthorityEndsTheRoundAndTheRestWait() {
        let items = ["A", "B", "C", "D"].map { pending($0, journaled: 600) }
        var round = DeliveryRound(pending: items, now: now, force: false, policy: policy)
        let sent = run(&round) { $0 == "A" ? .fiscalized : .pending(authorityUnreachable: true) }
        #expect(sent == ["A", "B"])
        #expect(round.report == DeliveryReport(fiscalized: ["A"], stillPending: ["B"], waiting: ["C", "D"]))
        #expect(round.next() == .finished)
    }

    @Test func aFaultThatIsNotAnOutageGoesOnToTheNextDocument() {
        var round = DeliveryRound(pending: ["A", "B"].map { pending($0, journaled: 600) }, now: now, force: false, policy: policy)
        #expect(run(&round) { _ in .pending(authorityUnreachable: false) } == ["A", "B"])
        #expect(round.report.stillPending == ["A", "B"])
    }

    @Test func aDocumentTakenByAnotherCallIsNeitherCountedNorRetried() {
        var round = DeliveryRound(pending: ["A", "B"].map { pending($0, journaled: 600) }, now: now, force: false, policy: policy)
        #expect(run(&round) { $0 == "A" ? .skipped : .fiscalized } == ["A", "B"])
        #expect(round.report == DeliveryReport(fiscalized: ["B"]))
    }

    @Test func anAttemptWithoutAKnownEndIsDueAtOnce() {
        // An attempt whose end time could not be read is not held back by a backoff it cannot compute.
        var round = DeliveryRound(pending: [pending("A", journaled: 600, attempts: 1, lastAttempt: nil)], now: now, force: false, policy: policy)
        #expect(run(&round) { _ in .fiscalized } == ["A"])
    }

    @Test func aRoundHeldByAnotherProcessLeavesEverythingWaiting() {
        #expect(DeliveryRound.heldElsewhere(["A", "B"].map { pending($0, journaled: 600) }) == DeliveryReport(waiting: ["A", "B"]))
    }

    @Test func anEmptyJournalFinishesAtOnce() {
        var round = DeliveryRound(pending: [], now: now, force: false, policy: policy)
        #expect(round.next() == .finished)
        #expect(round.report == DeliveryReport())
    }

    @Test func theReportKeepsItsWireNames() throws {
        let json = try JSONEncoder().encode(DeliveryReport(stillPending: ["A"]))
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: [String]])
        #expect(object == ["fiscalized": [], "rejected": [], "still_pending": ["A"], "waiting": []])
    }
}

/// Claims: one holder per reference; waiters are woken in order on release, time out, or give up when cancelled.
@Suite struct ClaimsTests {
    @Test func aReferenceHasOneHolderAtATime() {
        let claims = Claims()
        #expect(claims.claim("A"))
        #expect(!claims.claim("A"))
        #expect(claims.claim("B"))
        claims.release("A")
        #expect(claims.claim("A"))
    }

    @Test func aWaiterIsWokenByTheReleaseNotByPolling() async {
        let claims = Claims()
        #expect(claims.claim("A"))
        let waiter = Task { await claims.acquire("A", within: .seconds(60)) }
        // Let the waiter queue up, then hand the claim over.
        while !(await waiterQueued(claims, "A")) { await Task.yield() }
        claims.release("A")
        #expect(await waiter.value)
        #expect(claims.isHeld("A"), "the claim passed to the waiter; it is still held")
        claims.release("A")
        #expect(!claims.isHeld("A"))
    }

    @Test func aWaiterGivesUpAfterItsTimeoutAndTheHolderKeepsTheClaim() async {
        let claims = Claims()
        #expect(claims.claim("A"))
        #expect(await claims.acquire("A", within: .milliseconds(50)) == false)
        #expect(claims.isHeld("A"))
        claims.release("A")
        #expect(!claims.isHeld("A"), "a timed-out waiter takes nothing over")
    }

    @Test func aCancelledWaiterGivesUp() async {
        let claims = Claims()
        #expect(claims.claim("A"))
        let waiter = Task { await claims.acquire("A", within: .seconds(60)) }
        while !(await waiterQueued(claims, "A")) { await Task.yield() }
        waiter.cancel()
        #expect(await waiter.value == false)
        claims.release("A")
        #expect(!claims.isHeld("A"))
    }

    @Test func waitersAreServedInArrivalOrder() async {
        let claims = Claims()
        #expect(claims.claim("A"))
        let order = OrderLog()
        var waiters: [Task<Void, Never>] = []
        for index in 0..<3 {
            waiters.append(Task {
                if await claims.acquire("A", within: .seconds(60)) {
                    await order.append(index)
                    claims.release("A")
                }
            })
            while claims.waiting("A") < index + 1 { await Task.yield() }
        }
        claims.release("A")
        for waiter in waiters { await waiter.value }
        #expect(await order.values == [0, 1, 2])
        #expect(!claims.isHeld("A"))
    }

    func waiterQueued(_ claims: Claims, _ reference: String) async -> Bool { claims.waiting(reference) > 0 }
}

actor OrderLog {
    var values: [Int] = []
    func append(_ value: Int) { values.append(value) }
}
