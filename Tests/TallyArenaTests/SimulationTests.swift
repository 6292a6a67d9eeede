import Foundation
import Testing

@testable import TallyArena

/// Battles drawn from known true ratings: the fit recovers them and the intervals cover them.
@Suite struct SimulationTests {
    @Test func bradleyTerryRecoversTheTrueOrder() {
        let roster = SyntheticBattles.roster(count: 8, spread: 420)  // 60 points apart
        let battles = SyntheticBattles.draw(
            models: roster.models, ratings: roster.ratings, count: 20_000, seed: 11)
        let fitted = BradleyTerry.fit(battles)
        #expect(fitted.models == roster.models)
        let order = fitted.values.indices.sorted { fitted.values[$0] > fitted.values[$1] }
        #expect(order == Array(0..<8))
        // Both centred on 1000: the fit is within a few points of the truth.
        for (model, truth) in zip(fitted.values, roster.ratings) { #expect(abs(model - truth) < 15) }
    }

    /// 200 seeded trials of 600 battles among 5 models (ties included), 200 bootstrap rounds each (fewer than
    /// the default 1000, to stay fast in a debug build; the percentiles interpolate between order statistics):
    /// the 95 % intervals hold the true (centred) rating about 95 % of the time.
    @Test func bootstrapIntervalsCoverTheTrueRatingsAboutNinetyFivePercentOfTheTime() throws {
        let models = ["a", "b", "c", "d", "e"]
        let truth = [1150.0, 1060.0, 1000.0, 930.0, 860.0]  // mean 1000, as unanchored fits are
        let trials = 200
        var covered = 0
        var checked = 0
        for trial in 0..<trials {
            let battles = SyntheticBattles.draw(
                models: models, ratings: truth, count: 600, seed: 1000 + UInt64(trial))
            let result = try BradleyTerry.bootstrap(BattleSet(battles), rounds: 200, seed: UInt64(trial))
            for (index, rating) in truth.enumerated() {
                checked += 1
                if result.lower[index] <= rating && rating <= result.upper[index] { covered += 1 }
            }
        }
        let coverage = Double(covered) / Double(checked)
        print("bootstrap coverage over \(trials) trials × \(models.count) models: \(coverage)")
        #expect(coverage >= 0.88 && coverage <= 0.99, "coverage \(coverage)")
    }
}
