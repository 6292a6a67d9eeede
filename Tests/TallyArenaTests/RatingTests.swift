import Foundation
import Testing

@testable import TallyArena

/// Online Elo, the predicted win rate, anchors and the edge cases of the Bradley–Terry fit.
@Suite struct RatingTests {
    @Test func predictedWinRateIsTheEloFormula() {
        let scale = RatingScale.chatbotArena
        #expect(abs(scale.predictedWinRate(1400, against: 1000) - 10.0 / 11) < 1e-12)
        #expect(scale.predictedWinRate(1234, against: 1234) == 0.5)
        #expect(abs(scale.predictedWinRate(1000, against: 1200) - 1 / (1 + pow(10, 0.5))) < 1e-12)
        #expect(
            abs(scale.predictedWinRate(1100, against: 950) + scale.predictedWinRate(950, against: 1100) - 1) < 1e-12)
    }

    @Test func onlineEloMovesByKTimesTheSurprise() {
        // Equal ratings expect ½: a win moves 4 × ½ = 2 points each way; a tie moves nothing.
        var elo = OnlineElo.ratings([Battle("sft", "base", .modelA)])
        #expect(elo["sft"] == 1002 && elo["base"] == 998)
        elo = OnlineElo.ratings([Battle("sft", "base", .tie), Battle("base", "sft", .bothBad)])
        #expect(elo["sft"] == 1000 && elo["base"] == 1000)
        // The second battle starts from 1002 vs 998: the favourite gains less than 2 for winning again.
        elo = OnlineElo.ratings([Battle("sft", "base", .modelA), Battle("base", "sft", .modelB)])
        let expected = 1 / (1 + pow(10, -4.0 / 400))
        #expect(abs(elo["sft"]! - (1002 + 4 * (1 - expected))) < 1e-12)
        #expect(abs(elo["base"]! - (998 - 4 * (1 - expected))) < 1e-12)
    }

    @Test func onlineEloDependsOnBattleOrderButBradleyTerryDoesNot() {
        let battles = [Battle("a", "b", .modelA), Battle("a", "b", .modelA), Battle("b", "a", .modelA)]
        let reversed = Array(battles.reversed())
        #expect(OnlineElo.ratings(battles)["a"] != OnlineElo.ratings(reversed)["a"])
        #expect(abs(BradleyTerry.fit(battles)["a"]! - BradleyTerry.fit(reversed)["a"]!) < 1e-9)
        // Two wins in three: P = 2/3, a gap of 400·log10(2) points around 1000.
        #expect(abs(BradleyTerry.fit(battles)["a"]! - (1000 + 200 * log10(2.0))) < 1e-4)
    }

    @Test func selfBattlesAreLeftOut() {
        let set = BattleSet([Battle("a", "a", .modelA), Battle("a", "b", .tie)])
        #expect(set.count == 1)
        #expect(set.models == ["a", "b"])
        #expect(set.index(of: "b") == 1 && set.index(of: "c") == nil)
    }

    @Test func anchorsParseAndShiftEveryRating() throws {
        #expect(try RatingAnchor(parsing: "base=1000") == RatingAnchor(model: "base", rating: 1000))
        #expect(try RatingAnchor(parsing: "gpt=2 = 1114.5") == RatingAnchor(model: "gpt=2", rating: 1114.5))
        for bad in ["base", "=1000", "base=", "base=x", "base=inf"] {
            #expect(throws: ArenaError.badAnchor(bad)) { try RatingAnchor(parsing: bad) }
        }
        let ratings = BradleyTerry.fit([
            Battle("a", "b", .modelA), Battle("a", "b", .modelB), Battle("a", "c", .modelA),
        ])
        let anchored = try ratings.anchored(to: RatingAnchor(model: "c", rating: 800))
        #expect(anchored["c"] == 800)
        #expect(abs((anchored["a"]! - anchored["b"]!) - (ratings["a"]! - ratings["b"]!)) < 1e-9)
        #expect(throws: ArenaError.unknownAnchor("z", models: ["a", "b", "c"])) {
            try ratings.anchored(to: RatingAnchor(model: "z", rating: 1))
        }
        #expect(ArenaError.unknownAnchor("z", models: ["a"]).description.contains("\"z\" has no battles"))
    }

    @Test func aModelThatNeverWinsStaysFiniteAndLeavesTheOthersAlone() {
        var battles = SyntheticBattles.draw(
            models: ["a", "b", "c"], ratings: [1100, 1000, 900], count: 600, tieShare: 0.2, seed: 3)
        let without = BradleyTerry.fit(battles)
        for opponent in ["a", "b", "c"] {
            for _ in 0..<20 { battles.append(Battle(opponent, "loser", .modelA)) }
        }
        let fitted = BradleyTerry.fit(battles)
        let loser = fitted["loser"]!
        #expect(loser.isFinite)
        #expect(loser < fitted["c"]! - 1000, "loser at \(loser)")
        // Sure wins carry no information: the others' differences are those of the fit without the loser.
        #expect(abs((fitted["a"]! - fitted["c"]!) - (without["a"]! - without["c"]!)) < 0.5)
        #expect(abs((fitted["b"]! - fitted["c"]!) - (without["b"]! - without["c"]!)) < 0.5)
    }

    @Test func aModelThatNeverLosesStaysFiniteAndOnTop() {
        let battles =
            (0..<30).map { Battle("champion", ["a", "b"][$0 % 2], .modelA) } + [
                Battle("a", "b", .modelA), Battle("b", "a", .modelA), Battle("a", "b", .tie),
            ]
        let fitted = BradleyTerry.fit(battles)
        #expect(fitted["champion"]!.isFinite)
        #expect(fitted["champion"]! > fitted["a"]! + 1000)
        #expect(abs(fitted["a"]! - fitted["b"]!) < 1e-6)
    }

    @Test func groupsThatNeverMetAreEachCentredOnTheInitialRating() {
        let battles = [
            Battle("a", "b", .modelA), Battle("a", "b", .modelB), Battle("a", "b", .modelA),
            Battle("x", "y", .modelB), Battle("x", "y", .tie),
        ]
        let fitted = BradleyTerry.fit(battles)
        #expect(abs(fitted["a"]! + fitted["b"]! - 2000) < 1e-6)
        #expect(abs(fitted["x"]! + fitted["y"]! - 2000) < 1e-6)
        #expect(fitted["a"]! > fitted["b"]! && fitted["y"]! > fitted["x"]!)
    }

    @Test func tiesOfEitherKindCountAsHalfAWin() {
        let ties = BradleyTerry.fit([Battle("a", "b", .tie), Battle("a", "b", .bothBad)])
        #expect(abs(ties["a"]! - 1000) < 1e-9 && abs(ties["b"]! - 1000) < 1e-9)
        // A win and a tie score 1.5 of 2: P = 3/4, a gap of 400·log10(3).
        let fitted = BradleyTerry.fit([Battle("a", "b", .modelA), Battle("b", "a", .bothBad)])
        #expect(abs(fitted["a"]! - fitted["b"]! - 400 * log10(3.0)) < 1e-4)
    }
}

/// Small helpers of the rating types, and the benchmark's work at a small size.
@Suite struct RatingHelperTests {
    @Test func ratingsAndWinRatesLookUpByName() {
        let set = BattleSet([Battle("a", "b", .modelA), Battle("b", "a", .tie), Battle("a", "c", .modelB)])
        let rates = WinRateMatrix(set)
        #expect(rates.battles(between: "a", and: "b") == 2 && rates.battles(between: "b", and: "a") == 2)
        #expect(rates.battles(between: "b", and: "c") == 0 && rates.battles(between: "a", and: "zz") == 0)
        #expect(rates.share("a", over: "b") == 0.75 && rates.share("b", over: "a") == 0.25)
        #expect(rates.share("b", over: "c") == nil && rates.share("zz", over: "a") == nil)
        #expect(rates.overall == [1.5 / 3, 0.5 / 2, 1])
        let elo = OnlineElo.ratings(set)
        #expect(elo.byModel == ["a": elo.values[0], "b": elo.values[1], "c": elo.values[2]])
        #expect(elo["zz"] == nil)
    }

    @Test func noBattlesNoRatings() {
        #expect(BradleyTerry.fit([Battle]()).models.isEmpty)
        #expect(OnlineElo.ratings([Battle]()).values.isEmpty)
    }

    @Test func benchmarkRecoversTheRosterAtASmallSize() {
        let result = ArenaBenchmark.bradleyTerry(battles: 4000, models: 4, rounds: 50, seed: 1)
        #expect(result.battles == 4000 && result.models == 4 && result.rounds == 50)
        #expect(result.orderRecovered)
        #expect(result.meanAbsoluteError < 20 && result.meanIntervalWidth > 0)
        #expect(result.seconds >= result.bootstrapSeconds && result.coverage >= 0 && result.coverage <= 1)
        let elo = ArenaBenchmark.onlineElo(battles: 1000, models: 3, seed: 1)
        #expect(elo.battles == 1000 && elo.models == 3 && elo.battlesPerSecond > 0)
    }
}
