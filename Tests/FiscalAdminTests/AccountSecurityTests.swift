@testable import FiscalAdmin
import FiscalCore
import Foundation
import Synchronization
import Testing

@Suite struct PasswordHasherTests {
    /// Cheap parameters keep the suite fast; one test uses the recommended ones.
    let hasher = PasswordHasher(parameters: .init(logN: 10, r: 8, p: 1))

    @Test func hashesVerifyAndAreSalted() throws {
        let first = try hasher.hash("correct horse battery")
        let second = try hasher.hash("correct horse battery")
        #expect(first.hasPrefix("$scrypt$ln=10,r=8,p=1$"))
        #expect(first != second, "every hash has its own salt")
        #expect(hasher.verify("correct horse battery", against: first))
        #expect(hasher.verify("correct horse battery", against: second))
        #expect(!hasher.verify("correct horse batterY", against: first))
        #expect(!hasher.verify("", against: first))
    }

    @Test func recommendedParametersRoundTrip() throws {
        let strong = PasswordHasher()
        let stored = try strong.hash("Šifra za prodavnicu 1")
        #expect(stored.hasPrefix("$scrypt$ln=15,r=8,p=1$"))
        #expect(strong.verify("Šifra za prodavnicu 1", against: stored))
        #expect(!strong.needsRehash(stored))
        #expect(hasher.needsRehash(stored))
    }

    @Test func unicodeFormsAreTheSamePassword() throws {
        // "č" precomposed (U+010D) and decomposed (c + U+030C) type the same on different keyboards.
        let stored = try hasher.hash("na\u{010D}in rada 2026")
        #expect(hasher.verify("nac\u{030C}in rada 2026", against: stored))
    }

    @Test func weakPasswordsAreRefusedByField() {
        #expect { try hasher.hash("short") } throws: { error in
            let error = error as! AdminError
            return error.code == .weakPassword && error.field == "password" && error.message.contains("at least 10")
        }
        #expect(throws: AdminError.self) { try hasher.hash(String(repeating: "a", count: 257)) }
        #expect(throws: AdminError.self) { try PasswordHasher.checkStrength("123456789", field: "new_password") }
        #expect(throws: Never.self) { try PasswordHasher.checkStrength("1234567890") }
    }

    @Test(arguments: [
        "", "plain", "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHQ", "$bcrypt$ln=10,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        "$scrypt$ln=40,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$scrypt$ln=20,r=16,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$scrypt$ln=10,r=8$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        "$scrypt$ln=10,r=8,p=1,x=2$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$scrypt$ln=10,r=8,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
        "$scrypt$ln=10,r=8,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
    ])
    func malformedOrHostileHashesNeverMatch(stored: String) {
        #expect(!hasher.verify("anything at all", against: stored))
        #expect(hasher.needsRehash(stored))
    }

    @Test func aTamperedHashDoesNotMatch() throws {
        let stored = try hasher.hash("correct horse battery")
        var parts = stored.split(separator: "$", omittingEmptySubsequences: false).map(String.init)
        var hash = UnpaddedBase64.decode(parts[4], .standard)!
        hash[0] ^= 1
        parts[4] = UnpaddedBase64.encode(hash, .standard)
        #expect(!hasher.verify("correct horse battery", against: parts.joined(separator: "$")))
    }
}

@Suite struct SignInThrottleTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func delaysDoubleAfterTheFreeAttemptsAndSuccessClears() {
        var throttle = SignInThrottle(freeAttempts: 3, window: 900, baseDelay: 2, maximumDelay: 60)
        for attempt in 0..<3 {
            #expect(throttle.decision(for: "ana@example.me", at: start + Double(attempt)) == .allowed)
            throttle.recordFailure(for: "ana@example.me", at: start + Double(attempt))
        }
        // Third failure at +2: the next attempt waits 2 s.
        #expect(throttle.decision(for: "ana@example.me", at: start + 2.5) == .wait(seconds: 2))
        #expect(throttle.decision(for: "ana@example.me", at: start + 4) == .allowed)
        throttle.recordFailure(for: "ana@example.me", at: start + 4)
        #expect(throttle.decision(for: "ana@example.me", at: start + 4) == .wait(seconds: 4))
        throttle.recordFailure(for: "ana@example.me", at: start + 8)
        #expect(throttle.decision(for: "ana@example.me", at: start + 8) == .wait(seconds: 8))
        for step in 0..<10 { throttle.recordFailure(for: "ana@example.me", at: start + 20 + Double(step)) }
        #expect(throttle.decision(for: "ana@example.me", at: start + 29) == .wait(seconds: 60), "capped at the maximum")
        // Other keys are unaffected.
        #expect(throttle.decision(for: "ivan@example.me", at: start + 29) == .allowed)
        throttle.recordSuccess(for: "ana@example.me")
        #expect(throttle.decision(for: "ana@example.me", at: start + 29) == .allowed)
    }

    @Test func failuresAreForgottenAfterTheWindow() {
        var throttle = SignInThrottle(freeAttempts: 1, window: 60, baseDelay: 10, maximumDelay: 100)
        throttle.recordFailure(for: "k", at: start)
        throttle.recordFailure(for: "k", at: start + 1)
        #expect(throttle.decision(for: "k", at: start + 2) == .wait(seconds: 19))
        #expect(throttle.decision(for: "k", at: start + 80) == .allowed, "the wait is over")
        #expect(throttle.decision(for: "k", at: start + 82) == .allowed)
        throttle.recordFailure(for: "k", at: start + 82)
        #expect(throttle.decision(for: "k", at: start + 82) == .wait(seconds: 10), "a failure a window after the 20 s wait ended starts a new count")
    }

    @Test func waitingOutTheLongestDelayDoesNotResetTheCount() {
        // The default shape: the cap equals the window.
        var throttle = SignInThrottle(freeAttempts: 2, window: 100, baseDelay: 50, maximumDelay: 100)
        var now = start
        for _ in 0..<4 { throttle.recordFailure(for: "k", at: now) }
        #expect(throttle.decision(for: "k", at: now) == .wait(seconds: 100))
        for _ in 0..<5 {
            now += 100 // wait exactly the capped delay, then fail again
            #expect(throttle.decision(for: "k", at: now) == .allowed)
            throttle.recordFailure(for: "k", at: now)
            #expect(throttle.decision(for: "k", at: now) == .wait(seconds: 100), "still capped, not a fresh set of free attempts")
        }
        throttle.recordFailure(for: "k", at: now + 201)
        #expect(throttle.decision(for: "k", at: now + 201) == .allowed, "forgotten a window after the wait ended: one failure is free again")
    }

    @Test func memoryIsBounded() {
        var throttle = SignInThrottle(freeAttempts: 1, window: 60, baseDelay: 1, maximumDelay: 1, capacity: 100)
        for index in 0..<1000 { throttle.recordFailure(for: "address-\(index)", at: start + Double(index) / 100) }
        #expect(throttle.count <= 100)
        #expect(throttle.decision(for: "address-999", at: start + 9.99) == .wait(seconds: 1), "the newest keys are kept")
    }
}

@Suite struct MasterKeyTests {
    @Test func sealsAndOpensBoundToItsContext() throws {
        let key = MasterKey.generate()
        let secret = Array("-----BEGIN PRIVATE KEY-----".utf8)
        let sealed = key.seal(secret, context: "certificate:client-1")
        #expect(Array(sealed.prefix(4)) == Array("FMK1".utf8))
        #expect(!sealed.contains(subsequence: secret))
        #expect(try key.open(sealed, context: "certificate:client-1") == secret)
        #expect(key.seal(secret, context: "certificate:client-1") != sealed, "a fresh nonce each time")
        #expect(try key.open(key.seal([], context: "empty"), context: "empty") == [])

        #expect { try key.open(sealed, context: "certificate:client-2") } throws: { ($0 as! VaultError).code == .corrupt }
        var tampered = sealed
        tampered[30] ^= 0x01
        #expect { try key.open(tampered, context: "certificate:client-1") } throws: { ($0 as! VaultError).code == .corrupt }
        #expect { try key.open(Array(sealed.prefix(20)), context: "certificate:client-1") } throws: { ($0 as! VaultError).code == .corrupt }
        #expect { try MasterKey.generate().open(sealed, context: "certificate:client-1") } throws: { error in
            let error = error as! VaultError
            return error.code == .wrongMasterKey && error.message.contains(key.id)
        }
    }

    @Test func loadsFromAPrivateFileOrTheEnvironment() throws {
        let key = MasterKey.generate()
        let path = NSTemporaryDirectory() + "master-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data((key.base64 + "\n").utf8), attributes: [.posixPermissions: 0o600]))
        #expect(try MasterKey.load(path: path, environment: [:]).id == key.id)
        #expect(try MasterKey.load(path: nil, environment: [MasterKey.environmentVariable: key.base64]).id == key.id)

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect { try MasterKey.load(path: path, environment: [:]) } throws: { error in
            (error as! VaultError).message.contains("chmod 600")
        }
        #expect { try MasterKey.load(path: nil, environment: [:]) } throws: { error in
            (error as! VaultError).message.contains(MasterKey.environmentVariable)
        }
        #expect(throws: VaultError.self) { try MasterKey.load(path: path + ".missing", environment: [:]) }
        #expect(throws: VaultError.self) { try MasterKey(base64: "c2hvcnQ=") }
        #expect(throws: VaultError.self) { try MasterKey(base64: "not base64 at all") }
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence: [UInt8]) -> Bool {
        guard subsequence.count <= count else { return false }
        return (0...(count - subsequence.count)).contains { Array(self[$0..<($0 + subsequence.count)]) == subsequence }
    }
}

@Suite struct CPUGateTests {
    @Test func runsAtMostTheLimitAtOnceAndRefusesBeyondTheQueue() async throws {
        let gate = CPUGate(limit: 2, queueLimit: 1)
        final class Counts: Sendable {
            let running = Mutex(0), peak = Mutex(0)
        }
        let counts = Counts()
        let release = DispatchSemaphore(value: 0)
        let outcomes = await withTaskGroup(of: String.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    do {
                        try await gate.run {
                            let now = counts.running.withLock { $0 += 1; return $0 }
                            counts.peak.withLock { $0 = max($0, now) }
                            release.wait()
                            counts.running.withLock { $0 -= 1 }
                        }
                        return "ran"
                    } catch let error as AdminError {
                        return error.code.rawValue
                    } catch {
                        return "\(error)"
                    }
                }
            }
            // Two run, one waits, the fourth is refused at once; then let them all finish.
            var results: [String] = []
            results.append(await group.next()!)
            while counts.running.withLock({ $0 }) < 2 { try? await Task.sleep(for: .milliseconds(5)) }
            for _ in 0..<3 { release.signal() }
            for await result in group { results.append(result) }
            return results
        }
        #expect(outcomes.first == "unavailable")
        #expect(outcomes.filter { $0 == "ran" }.count == 3)
        #expect(counts.peak.withLock { $0 } == 2)
    }
}
