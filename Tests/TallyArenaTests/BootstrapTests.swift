import Foundation
import Testing

@testable import TallyArena

/// Bootstrap intervals, ranks from intervals, percentiles and determinism.
@Suite struct BootstrapTests {
    let battles = BattleSet(
        SyntheticBattles.draw(
            models: ["a", "b", "c", "d"], ratings: [1200, 1050, 1000, 750], count: 2000, seed: 5))

    @Test func rankIsOnePlusTheModelsClearlyAbove() {
        #expect(BootstrapRatings.ranks(lower: [1100, 1090, 900], upper: [1150, 1120, 950]) == [1, 1, 3])
        #expect(BootstrapRatings.ranks(lower: [3, 2, 1], upper: [3.5, 2.5, 1.5]) == [1, 2, 3])
        #expect(BootstrapRatings.ranks(lower: [0, 0, 0], upper: [10, 10, 10]) == [1, 1, 1])
        // An interval touching another's bound overlaps it: not clearly above.
        #expect(BootstrapRatings.ranks(lower: [10, 5], upper: [20, 10]) == [1, 1])
        // Ranks need not be consecutive: c is below a but overlaps b.
        #expect(BootstrapRatings.ranks(lower: [30, 15, 12], upper: [40, 25, 20]) == [1, 2, 2])
    }

    @Test func percentilesInterpolateBetweenOrderStatistics() {
        #expect(BootstrapRatings.percentile(ofSorted: [1, 2, 3, 4], 0.5) == 2.5)
        #expect(abs(BootstrapRatings.percentile(ofSorted: [1, 2, 3, 4], 0.025) - 1.075) < 1e-12)
        #expect(BootstrapRatings.percentile(ofSorted: [1, 2, 3, 4], 1) == 4)
        #expect(BootstrapRatings.percentile(ofSorted: [7], 0.975) == 7)
        #expect(BootstrapRatings.percentile(ofSorted: [], 0.5).isNaN)
    }

    @Test func theSameSeedGivesTheSameIntervals() throws {
        let first = try BradleyTerry.bootstrap(battles, rounds: 100, seed: 9)
        let second = try BradleyTerry.bootstrap(battles, rounds: 100, seed: 9)
        let other = try BradleyTerry.bootstrap(battles, rounds: 100, seed: 10)
        #expect(first.samples == second.samples)
        #expect(first.lower == second.lower && first.upper == second.upper)
        #expect(first.samples != other.samples)
        #expect(first.samples.count == 100 * 4)
    }

    @Test func intervalsHoldTheEstimateAndSeparateDistantModels() throws {
        let result = try BradleyTerry.bootstrap(battles, rounds: 300, seed: 1)
        #expect(result.estimate == BradleyTerry.fit(battles))
        for index in 0..<4 {
            #expect(result.lower[index] < result.estimate.values[index])
            #expect(result.estimate.values[index] < result.upper[index])
        }
        // a (1200) and d (750) are far from everyone; b (1050) and c (1000) are close.
        let rank = Dictionary(uniqueKeysWithValues: zip(result.models, result.ranks))
        #expect(rank["a"] == 1 && rank["d"] == 4)
        #expect(rank["b"] == 2)
        #expect(rank["c"]! >= 2 && rank["c"]! <= 3)
    }

    @Test func anchoredRoundsFixTheAnchorAndKeepDifferences() throws {
        let anchor = RatingAnchor(model: "c", rating: 1114)
        let free = try BradleyTerry.bootstrap(battles, rounds: 50, seed: 2)
        let anchored = try BradleyTerry.bootstrap(battles, rounds: 50, seed: 2, anchor: anchor)
        #expect(anchored.estimate["c"] == 1114)
        #expect(anchored.lower[2] == 1114 && anchored.upper[2] == 1114)
        for round in 0..<50 {
            let row = round * 4
            let freeGap = free.samples[row] - free.samples[row + 3]
            let anchoredGap = anchored.samples[row] - anchored.samples[row + 3]
            #expect(abs(freeGap - anchoredGap) < 1e-9)
            #expect(abs(anchored.samples[row + 2] - 1114) < 1e-9)
        }
    }

    @Test func refusesNoBattlesAndUnknownAnchors() {
        #expect(throws: ArenaError.noBattles) { try BradleyTerry.bootstrap(BattleSet([]), rounds: 10) }
        #expect(throws: ArenaError.unknownAnchor("zz", models: ["a", "b", "c", "d"])) {
            try BradleyTerry.bootstrap(battles, rounds: 10, anchor: RatingAnchor(model: "zz", rating: 1))
        }
    }

    @Test func narrowerConfidenceGivesNarrowerIntervals() throws {
        let wide = try BradleyTerry.bootstrap(battles, rounds: 200, seed: 4, confidence: 0.95)
        let narrow = try BradleyTerry.bootstrap(battles, rounds: 200, seed: 4, confidence: 0.5)
        for index in 0..<4 {
            #expect(narrow.upper[index] - narrow.lower[index] < wide.upper[index] - wide.lower[index])
        }
    }
}
