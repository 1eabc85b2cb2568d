import FiscalConnector
import Foundation
import Testing

/// The result's outcome is an enum with payloads; the wire JSON is built from it at the edge and
/// keeps the names and values the OpenAPI document promises.
@Suite struct OutcomeTests {
    func wire(_ result: FiscalizationResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(result)) as? [String: Any])
    }

    @Test func aFiscalizedResultCarriesItsCodeAndTime() throws {
        let result = FiscalizationResult(.fiscalized(fic: "FIC-1", at: "2026-12-05T10:00:00+01:00"), reference: "R-1", iic: "ABC")
        #expect(result.status == .fiscalized && result.fic == "FIC-1" && result.error == nil && result.deliverBy == nil)
        let json = try wire(result)
        #expect(json["status"] as? String == "fiscalized")
        #expect(json["fic"] as? String == "FIC-1")
        #expect(json["fiscalized_at"] as? String == "2026-12-05T10:00:00+01:00")
        #expect(json["error"] == nil && json["deliver_by"] == nil)
        #expect(result.exitCode == 0)
    }

    @Test func aDeferredResultCarriesItsDeadlineOnly() throws {
        let result = FiscalizationResult(.deferred(deliverBy: "2026-12-07T10:00:00Z"), reference: "R-2")
        let json = try wire(result)
        #expect(json["status"] as? String == "deferred" && json["deliver_by"] as? String == "2026-12-07T10:00:00Z")
        #expect(json["fic"] == nil && json["error"] == nil)
        #expect(result.exitCode == 3)
    }

    @Test(arguments: FiscalizationResult.ProblemCode.allCases)
    func everyProblemIsEitherARefusalOrAnUnknownOutcome(_ code: FiscalizationResult.ProblemCode) throws {
        let problem = FiscalizationResult.Problem(code: code, message: "m")
        let result = FiscalizationResult(status: .rejected, error: problem)
        switch result.outcome {
        case .rejected(let carried):
            #expect(!code.outcomeUnknown && carried == problem)
            #expect(result.exitCode == 2)
        case .unknown(let carried):
            #expect(code.outcomeUnknown && carried == problem)
            #expect(result.exitCode == 1)
        case .fiscalized, .deferred:
            Issue.record("a problem made \(result.outcome)")
        }
        // Unknown or refused, the wire says "rejected" with the problem's code.
        let json = try wire(result)
        #expect(json["status"] as? String == "rejected")
        #expect((json["error"] as? [String: Any])?["code"] as? String == code.rawValue)
    }

    @Test func theUnknownOutcomesAreExactlyThoseWorthAskingAgain() {
        #expect(Set(FiscalizationResult.ProblemCode.allCases.filter(\.outcomeUnknown)) == [.internal, .journal, .inProgress, .unanswered])
    }

    @Test func theWireJSONDecodesBackToTheSameOutcome() throws {
        let results = [
            FiscalizationResult(.fiscalized(fic: "F", at: "2026-12-05T10:00:00+01:00"), reference: "A", invoiceNumber: "ab123cd456/1/2026/xy789zz111", ordinal: 1, warnings: ["w"]),
            FiscalizationResult(.deferred(deliverBy: "2026-12-07T10:00:00Z"), reference: "B", qrURL: "https://example.test/ic"),
            FiscalizationResult(.rejected(.init(code: .authorityRejected, message: "no", authorityCode: 11)), reference: "C"),
            FiscalizationResult(.unknown(.init(code: .inProgress, message: "busy", field: "reference")), reference: "D"),
        ]
        for result in results {
            #expect(try JSONDecoder().decode(FiscalizationResult.self, from: JSONEncoder().encode(result)) == result)
        }
    }

    @Test func aWireRejectionWithoutAProblemIsAnUnknownOutcome() throws {
        let result = try JSONDecoder().decode(FiscalizationResult.self, from: Data(#"{"status":"rejected","warnings":[]}"#.utf8))
        guard case .unknown(let problem) = result.outcome else { Issue.record("\(result.outcome)"); return }
        #expect(problem.code == .internal)
    }

    @Test func anUnknownProblemCodeOnTheWireIsRefused() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(FiscalizationResult.self, from: Data(#"{"status":"rejected","warnings":[],"error":{"code":"bogus","message":"m"}}"#.utf8))
        }
    }
}
