import FiscalCore
import Foundation
import Testing

@Suite struct BlockingWorkersTests {
    @Test func stuckJobsGetTheirOwnThreadsWhichEndOnceIdle() async throws {
        let workers = BlockingWorkers(resident: 2, idleTimeout: 0.2)
        let release = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        for _ in 0..<12 {
            workers.submit {
                release.wait()
                finished.signal()
            }
        }
        // All twelve wait at once: none is queued behind another.
        #expect(workers.threadCount == 12)
        for _ in 0..<12 { release.signal() }
        for _ in 0..<12 { finished.wait() }
        let deadline = ContinuousClock.now.advanced(by: .seconds(20))
        while workers.threadCount > 2, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(workers.threadCount == 2, "the extra threads ended; the resident ones stay")
        // The survivors still work.
        let done = DispatchSemaphore(value: 0)
        workers.submit { done.signal() }
        #expect(done.wait(timeout: .now() + 10) == .success)
    }
}
