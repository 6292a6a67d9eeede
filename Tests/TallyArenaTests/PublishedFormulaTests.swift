import Foundation
import Testing

@testable import TallyArena

/// The fixture's folder: battles and the ratings `scripts/make_arena_fixtures.py` computed from Chatbot Arena's
/// published formulas with numpy (regression form by Newton, checked against Hunter's MM iteration).
let arenaFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// `expected.json`.
struct ExpectedRatings: Decodable {
    struct Anchored: Decodable {
        var anchor: String
        var rating: Double
        var ratings: [String: Double]
    }
    var models: [String]
    var elo: [String: Double]
    var bt: [String: Double]
    var btAnchored: Anchored
    var battles: [String: Int]
    var winRates: [String: [String: Double]]
    var predicted: [String: [String: Double]]

    enum CodingKeys: String, CodingKey {
        case models, elo, bt, battles, predicted
        case btAnchored = "bt_anchored"
        case winRates = "win_rates"
    }

    static func load() throws -> ExpectedRatings {
        let data = try Data(contentsOf: arenaFixtures.appendingPathComponent("expected.json"))
        return try JSONDecoder().decode(ExpectedRatings.self, from: data)
    }
}

/// Ratings of a committed battle log against values computed independently from the published formulas.
@Suite struct PublishedFormulaTests {
    let battles: [Battle]
    let expected: ExpectedRatings

    init() throws {
        battles = try BattleLog.read(arenaFixtures.appendingPathComponent("battles.jsonl"))
        expected = try ExpectedRatings.load()
    }

    @Test func fixtureHoldsTiesOfBothKinds() {
        #expect(battles.count == 360)
        #expect(battles.contains { $0.outcome == .tie })
        #expect(battles.contains { $0.outcome == .bothBad })
        #expect(BattleSet(battles).models == expected.models)
    }

    @Test func onlineEloMatchesTheFormulaInBattleOrder() {
        let elo = OnlineElo.ratings(battles)
        for model in expected.models {
            #expect(
                abs(elo[model]! - expected.elo[model]!) < 1e-6, "\(model): \(elo[model]!) vs \(expected.elo[model]!)")
        }
    }

    @Test func bradleyTerryMatchesTheMaximumLikelihoodFit() {
        let bt = BradleyTerry.fit(battles)
        for model in expected.models {
            #expect(abs(bt[model]! - expected.bt[model]!) < 1e-3, "\(model): \(bt[model]!) vs \(expected.bt[model]!)")
        }
        // Unanchored ratings average the initial rating.
        #expect(abs(bt.values.reduce(0, +) / Double(bt.values.count) - 1000) < 1e-9)
    }

    @Test func anchoredRatingsMatchAndFixTheAnchor() throws {
        let anchor = RatingAnchor(model: expected.btAnchored.anchor, rating: expected.btAnchored.rating)
        let bt = try BradleyTerry.fit(battles).anchored(to: anchor)
        #expect(bt[anchor.model] == anchor.rating)
        for model in expected.models {
            #expect(abs(bt[model]! - expected.btAnchored.ratings[model]!) < 1e-3)
        }
    }

    @Test func winRatesAndBattleCountsMatch() {
        let set = BattleSet(battles)
        #expect(Dictionary(uniqueKeysWithValues: zip(set.models, set.battlesPerModel)) == expected.battles)
        let rates = WinRateMatrix(set).byModel
        #expect(rates.keys.sorted() == expected.winRates.keys.sorted())
        for (a, row) in expected.winRates {
            #expect(rates[a]!.keys.sorted() == row.keys.sorted())
            for (b, share) in row { #expect(abs(rates[a]![b]! - share) < 1e-12) }
        }
    }

    @Test func predictedWinRatesFollowFromTheRatings() {
        let predicted = WinRateMatrix.predicted(BradleyTerry.fit(battles))
        for (a, row) in expected.predicted {
            for (b, share) in row { #expect(abs(predicted[a]![b]! - share) < 1e-5) }
        }
    }

    @Test func swappingSidesChangesNoBradleyTerryRating() {
        let swapped = battles.enumerated().map { $0.offset.isMultiple(of: 2) ? $0.element.swapped : $0.element }
        let original = BradleyTerry.fit(battles)
        let fitted = BradleyTerry.fit(swapped)
        for model in expected.models { #expect(abs(original[model]! - fitted[model]!) < 1e-6) }
    }

    @Test func aggregatedCountsEqualTheBattleByBattleLikelihood() {
        // The fit works on pair counts; its maximum must be a stationary point of the per-battle likelihood.
        let fitted = BradleyTerry.fit(battles)
        var gradient = [String: Double]()
        for battle in battles {
            let p = RatingScale.chatbotArena.predictedWinRate(fitted[battle.modelA]!, against: fitted[battle.modelB]!)
            gradient[battle.modelA, default: 0] += battle.outcome.scoreA - p
            gradient[battle.modelB, default: 0] -= battle.outcome.scoreA - p
        }
        for model in expected.models { #expect(abs(gradient[model]!) < 1e-5) }
    }
}
