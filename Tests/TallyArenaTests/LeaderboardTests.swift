import Foundation
import Testing

@testable import TallyArena

/// The leaderboard, its table, its plot and its JSON.
@Suite struct LeaderboardTests {
    let battles: [Battle]
    let board: Leaderboard

    init() throws {
        battles = try BattleLog.read(arenaFixtures.appendingPathComponent("battles.jsonl"))
        board = try Leaderboard(battles, rounds: 200, seed: 1)
    }

    @Test func entriesCombineEveryRatingBestFirst() throws {
        let expected = try ExpectedRatings.load()
        #expect(board.entries.map(\.name) == ["alpha", "bravo", "charlie", "delta", "echo"])
        #expect(board.battleCount == 360)
        for entry in board.entries {
            #expect(abs(entry.rating - expected.bt[entry.name]!) < 1e-3)
            #expect(abs(entry.elo - expected.elo[entry.name]!) < 1e-6)
            #expect(entry.battles == expected.battles[entry.name]!)
            #expect(entry.lower < entry.rating && entry.rating < entry.upper)
            let clearlyAbove = board.entries.filter { $0.lower > entry.upper }.count
            #expect(entry.rank == 1 + clearlyAbove)
        }
        let alpha = board.entry("alpha")!
        let wins = battles.filter { $0.winner == "alpha" }.count
        let ties = battles.filter { $0.outcome.isTie && ($0.modelA == "alpha" || $0.modelB == "alpha") }.count
        #expect(abs(alpha.winRate - (Double(wins) + Double(ties) / 2) / Double(alpha.battles)) < 1e-12)
        #expect(board.entry("zulu") == nil)
    }

    @Test func anchoredLeaderboardFixesTheAnchor() throws {
        let anchored = try Leaderboard(battles, rounds: 50, seed: 1, anchor: RatingAnchor(model: "echo", rating: 800))
        let echo = anchored.entry("echo")!
        #expect(echo.rating == 800 && echo.lower == 800 && echo.upper == 800)
        #expect(
            abs(anchored.entry("alpha")!.rating - board.entry("alpha")!.rating - (800 - board.entry("echo")!.rating))
                < 1e-9)
    }

    @Test func jsonHasTheIssuesShape() throws {
        let text = board.json().text()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["models", "win_rates"])
        let models = try #require(object["models"] as? [[String: Any]])
        #expect(models.count == 5)
        for model in models {
            #expect(Set(model.keys) == ["name", "bt", "ci_low", "ci_high", "elo", "rank", "battles"])
        }
        #expect(models[0]["name"] as? String == "alpha")
        let rates = try #require(object["win_rates"] as? [String: [String: Double]])
        #expect(rates["alpha"]?["echo"] == board.winRates.share("alpha", over: "echo"))
        #expect(rates["alpha"]?["alpha"] == nil)
        // Decodes back to the same object.
        #expect(try JSONDecoder().decode(LeaderboardJSON.self, from: Data(text.utf8)) == board.json())
    }

    @Test func tableHasAHeaderAndOneAlignedLinePerModel() {
        let lines = LeaderboardTable.lines(board)
        #expect(lines.count == 6)
        #expect(lines[0].hasPrefix("rank  model    BT rating"))
        #expect(lines[0].contains("95% CI") && lines[0].hasSuffix("win rate"))
        #expect(Set(lines.map(\.count)).count == 1, "columns line up")
        let alpha = board.entry("alpha")!
        #expect(lines[1].contains(" alpha "))
        #expect(lines[1].contains(String(format: "%.1f", alpha.rating)))
        #expect(
            lines[1].contains(String(format: "+%.1f/-%.1f", alpha.upper - alpha.rating, alpha.rating - alpha.lower)))
        #expect(lines[1].hasSuffix(String(format: "%.1f%%", alpha.winRate * 100)))
        #expect(!lines.joined().contains("\u{1B}"))
    }

    @Test func plotDrawsEachIntervalOnOneSharedAxis() {
        let width = 72
        let lines = RatingPlot(width: width).lines(board)
        #expect(lines.count == 5 + 3)
        #expect(!lines.joined().contains("\u{1B}"))
        for line in lines { #expect(line.count <= width, "\(line.count) > \(width): \(line)") }
        var previous = Int.max
        for (index, entry) in board.entries.enumerated() {
            let row = Array(lines[index])
            #expect(String(row.prefix(entry.name.count)) == entry.name)
            let dot = row.firstIndex(of: "●")!
            let left = row.firstIndex(of: "├")!
            let right = row.firstIndex(of: "┤")!
            #expect(left < dot && dot < right)
            #expect(row.filter { $0 == "●" }.count == 1)
            #expect(dot <= previous, "best first: dots move left")
            previous = dot
            #expect(lines[index].hasSuffix(String(format: "%.1f", entry.rating)))
        }
        // The axis has ticks, each labelled with a round number that lies inside the plotted range.
        #expect(lines[5].contains("┬"))
        let labels = lines[6].split(separator: " ").compactMap { Double($0) }
        #expect(labels.count >= 2)
        let low = board.entries.map(\.lower).min()!
        let high = board.entries.map(\.upper).max()!
        for label in labels { #expect(label >= low && label <= high) }
        #expect(lines[7].contains("● rating") && lines[7].contains("95% interval"))
    }

    @Test func plotPlacesRatingsProportionally() {
        let rows = [
            RatingPlot.Row(name: "low", rating: 0, lower: 0, upper: 0),
            RatingPlot.Row(name: "mid", rating: 50, lower: 25, upper: 75),
            RatingPlot.Row(name: "top", rating: 100, lower: 100, upper: 100),
        ]
        // Name, gap, 101 cells (one per unit), gap, "100.0".
        let lines = RatingPlot(width: 3 + 2 + 101 + 2 + 5).lines(rows)
        let start = 5
        #expect(Array(lines[0])[start...].firstIndex(of: "●")! - start == 0)
        #expect(Array(lines[1])[start...].firstIndex(of: "├")! - start == 25)
        #expect(Array(lines[1])[start...].firstIndex(of: "●")! - start == 50)
        #expect(Array(lines[1])[start...].firstIndex(of: "┤")! - start == 75)
        #expect(Array(lines[2])[start...].firstIndex(of: "●")! - start == 100)
        #expect(lines[4].hasPrefix("     0"))
    }

    @Test func plotSurvivesDegenerateInput() {
        #expect(RatingPlot().lines([]) == ["(no ratings to plot)"])
        let single = RatingPlot(width: 30).lines([RatingPlot.Row(name: "only", rating: 1000, lower: 1000, upper: 1000)])
        #expect(single[0].contains("●"))
        let long = RatingPlot(width: 20).lines([
            RatingPlot.Row(name: String(repeating: "x", count: 40), rating: 1, lower: 0, upper: 2)
        ])
        #expect(long[0].hasPrefix(String(repeating: "x", count: 23) + "…"))
    }
}
