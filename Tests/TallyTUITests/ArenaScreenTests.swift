import Foundation
import Testing

@testable import TallyTUI

/// The Arena screen on an in-memory workspace: blind until the vote, one key a vote, names after it.
@Suite struct ArenaScreenTests {
    let screens = ScreenTests()

    @Test func homeCountsTheBattlesAndOpensTheArena() throws {
        let service = InMemoryLabelingService.sample()
        let app = try LabelingApp(service: service, drafts: DraftBoard(drafter: nil))
        var grid = screens.render(app)
        let row = try #require(grid.row(containing: "Arena votes"))
        #expect(grid.rowText(row).split(separator: " ").suffix(2) == ["2", "0"])
        screens.press(app, .character("a"))
        #expect(app.top is ArenaScreen)
        grid = screens.render(app)
        #expect(grid.rowText(0).contains("Arena"))
        #expect(grid.contains("What is 6 times 7?"))
        #expect(grid.contains("It is 42."))
        #expect(grid.contains("Perhaps 41␛[2J."), "model text is sanitised")
        #expect(!grid.contains("sft-1") && !grid.contains("dpo-1"), "no model name before the vote")
        #expect(grid.rowText(23).contains("a A") && grid.rowText(23).contains("n skip"))
    }

    @Test func aVoteRevealsTheModelsAndAnyKeyGoesOn() throws {
        let service = InMemoryLabelingService.sample()
        let app = try LabelingApp(service: service, drafts: DraftBoard(drafter: nil))
        screens.press(app, .character("a"), .character("b"))
        #expect(service.arenaVotes.map(\.battleID) == [30])
        #expect(service.arenaVotes.first?.choice == .second)
        #expect(service.arenaVotes.first?.instructionVersion == 3)
        var grid = screens.render(app)
        #expect(grid.contains("You voted B. A was sft-1 · B was dpo-1 — any key for the next battle"))
        #expect(grid.contains("Response B · dpo-1 ✓"))
        // Undo does not take an arena vote back.
        screens.press(app, .character("u"))
        #expect(service.arenaVotes.count == 1)
        #expect(app.context.notice?.text.contains("cannot be undone") == true)
        screens.press(app, .character("x"))  // any key: the next battle, not a vote
        #expect(service.arenaVotes.count == 1)
        grid = screens.render(app)
        #expect(grid.contains("Spell cat backwards."))
        #expect(!grid.contains("dpo-1") && !grid.contains("base"))
        screens.press(app, .character("t"))
        #expect(service.arenaVotes.last?.choice == .tie)
        #expect(screens.render(app).contains("You voted tie."))
    }

    @Test func helpListsTheVoteKeysAndNoUndo() throws {
        let app = try LabelingApp(service: InMemoryLabelingService.sample(), drafts: DraftBoard(drafter: nil))
        screens.press(app, .character("a"), .character("?"))
        let grid = screens.render(app, width: 100, height: 30)
        #expect(grid.contains("Keys: Arena"))
        #expect(grid.contains("vote: both bad") && grid.contains("skip: this battle comes back later"))
        #expect(grid.contains("a vote cannot be undone") && !grid.contains("undo your last submitted label"))
    }

    @Test func skippingPutsTheBattleBehindTheOthers() throws {
        let service = InMemoryLabelingService.sample()
        let app = try LabelingApp(service: service, drafts: DraftBoard(drafter: nil))
        screens.press(app, .character("a"), .character("n"))
        #expect(service.skippedBattles == [30])
        #expect((app.top as? ArenaScreen)?.battle?.battleID == 32)
        screens.press(app, .character("a"), .escape)  // vote, then leave
        #expect(app.top is HomeScreen)
        screens.press(app, .character("a"))
        let screen = try #require(app.top as? ArenaScreen)
        #expect(screen.battle?.battleID == 30 && screen.battle?.skippedBefore == true)
        #expect(screens.render(app).contains("(skipped before)"))
    }

    @Test func theResponsesStandSideBySideOrStacked() throws {
        let app = try LabelingApp(service: InMemoryLabelingService.sample(), drafts: DraftBoard(drafter: nil))
        screens.press(app, .character("a"))
        let wide = screens.render(app, width: 120, height: 30)
        let wideRow = try #require(wide.row(containing: "Response A"))
        #expect(wide.rowText(wideRow).contains("Response B"))
        let narrow = screens.render(app, width: 80, height: 30)
        let narrowA = try #require(narrow.row(containing: "Response A"))
        let narrowB = try #require(narrow.row(containing: "Response B"))
        #expect(narrowB > narrowA)
    }
}
