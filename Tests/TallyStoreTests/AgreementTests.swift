import Foundation
import Testing

@testable import TallyStore

@Suite struct AgreementTests {
    /// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers, 12 units,
    /// values 1–5 with missing data; published alphas: nominal .743, ordinal .815, interval .849.
    static let reliabilityData: [[Double?]] = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nil, nil, nil],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nil, 3],
        [nil, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nil],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nil],
    ]

    var units: [[Double]] {
        (0..<12).map { unit in Self.reliabilityData.compactMap { $0[unit] } }
    }

    @Test func alphaMatchesKrippendorffsWorkedExample() throws {
        let nominal = try #require(Agreement.krippendorffAlpha(units: units, metric: .nominal))
        let ordinal = try #require(Agreement.krippendorffAlpha(units: units, metric: .ordinal))
        let interval = try #require(Agreement.krippendorffAlpha(units: units, metric: .interval))
        #expect(abs(nominal - 0.743) < 0.0005)
        #expect(abs(ordinal - 0.815) < 0.0005)
        #expect(abs(interval - 0.849) < 0.0005)
    }

    @Test func perfectAgreementIsOneAndNoOverlapIsNil() {
        #expect(Agreement.krippendorffAlpha(units: [[1, 1], [2, 2], [3, 3]], metric: .ordinal) == 1)
        #expect(Agreement.krippendorffAlpha(units: [[1], [2]], metric: .ordinal) == nil)
    }

    @Test func midRanksShareTies() {
        #expect(Agreement.midRanks(tiers: [[7], [3, 4], [9]]) == [7: 1, 3: 2.5, 4: 2.5, 9: 4])
    }

    @Test func workspaceAgreementCountsOverlappingLabels() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        try database.setOverlapTarget(2)
        let people = try ["a", "b"].map { try database.labeler(named: $0) }
        // Two comparisons: the labelers agree on the first and disagree on the second.
        for (index, outcomes) in [[ComparisonOutcome.a, .a], [.a, .b]].enumerated() {
            let prompt = try database.addPrompt(.text("Compare \(index)"))
            try database.insertResponses(promptID: prompt, texts: ["x\(index)", "y\(index)"], queueAs: .comparison)
            for (person, outcome) in zip(people, outcomes) {
                let task = try #require(try database.nextComparisonTask(for: person))
                try database.submitComparison(assignmentID: task.assignmentID, outcome: outcome)
            }
        }
        // One ranking of three: orders agree on 2 of 3 response pairs.
        let prompt = try database.addPrompt(.text("Rank"))
        let ids = try database.insertResponses(promptID: prompt, texts: ["p", "q", "r"])
        for (person, tiers) in zip(people, [[[ids[0]], [ids[1]], [ids[2]]], [[ids[1]], [ids[0]], [ids[2]]]]) {
            let task = try #require(try database.nextRankingTask(for: person))
            try database.submitRanking(assignmentID: task.assignmentID, tiers: tiers)
        }
        let report = try database.agreement()
        #expect(report.comparisonLabelPairs == 2)
        #expect(report.comparisonAgreement == 0.5)
        #expect(report.rankingResponsePairs == 3)
        #expect(abs((report.rankingPairAgreement ?? 0) - 2.0 / 3.0) < 1e-12)
        #expect(report.rankingUnits == 3)
        let expectedAlpha = Agreement.krippendorffAlpha(units: [[1, 2], [2, 1], [3, 3]], metric: .ordinal)
        #expect(report.rankingAlpha == expectedAlpha)
    }
}
