import Foundation
import Testing

@testable import TallyTUI

@Suite struct ScreenTests {
    func render(_ app: LabelingApp, width: Int = 80, height: Int = 24) -> CellGrid {
        // Queue counts arrive from a background thread: let them land first.
        _ = app.context.counts.settled(timeout: 5)
        _ = app.tick()
        var grid = CellGrid(width: width, height: height)
        app.render(into: &grid)
        return grid
    }

    /// Presses keys like a person: each one after the screen finished what the previous one started.
    func press(_ app: LabelingApp, _ keys: Key...) {
        for key in keys {
            app.handle(key)
            settle(app)
        }
    }

    func type(_ app: LabelingApp, _ text: String) {
        for character in text { press(app, .character(character)) }
    }

    /// Lets background work (claims, transactions) finish and its results land.
    func settle(_ app: LabelingApp) {
        #expect(app.context.writer.finish(timeout: 5))
        _ = app.tick()
    }

    @Test func homeShowsQueuesCountsAndHintBar() throws {
        let service = InMemoryLabelingService.sample()
        let app = try LabelingApp(service: service, drafts: DraftBoard(drafter: nil))
        let grid = render(app)
        #expect(grid.rowText(0).contains("tally label · Home"))
        #expect(grid.rowText(0).contains("ada"))
        let demoRow = try #require(grid.row(containing: "Demonstrations to write"))
        #expect(grid.rowText(demoRow).contains("2"))
        #expect(grid.contains("Rankings to do"))
        #expect(grid.rowText(23).contains("Enter open"))
        #expect(grid.rowText(23).contains("? help"))
    }

    @Test func instructionsOpenOnFirstUseAndAreMarkedSeen() throws {
        let service = InMemoryLabelingService.sample()
        service.seenVersions = []
        let app = try LabelingApp(service: service, drafts: DraftBoard(drafter: nil))
        let grid = render(app)
        #expect(app.top is InstructionsScreen)
        #expect(grid.contains("Guidelines"))
        #expect(grid.contains("• Be helpful."))
        press(app, .character("q"))
        #expect(app.top is HomeScreen)
        #expect(service.seenVersions.contains(3))
        press(app, .character("i"))
        #expect(app.top is InstructionsScreen)
        press(app, .escape)
        #expect(app.top is HomeScreen)
    }

    @Test func helpOverlayListsTheKeysOfTheCurrentScreen() throws {
        let app = try LabelingApp(service: InMemoryLabelingService.sample(), drafts: DraftBoard(drafter: nil))
        press(app, .character("r"), .character("?"))
        let grid = render(app)
        #expect(grid.contains("Keys: Rank"))
        #expect(grid.contains("put in tier (same number = tie)"))
        press(app, .character("x"))  // any key closes help without acting
        #expect(!app.showsHelp)
        #expect((app.top as? RankScreen)?.state.allUnacceptable == false)
    }

    @Test func rankingWithATieFlagsAndUndo() throws {
        let service = InMemoryLabelingService.sample()
        let app = try LabelingApp(service: service, drafts: DraftBoard(drafter: nil))
        press(app, .character("r"))
        var grid = render(app)
        #expect(grid.contains("Order: ? A B C D"))
        #expect(grid.contains("Correct and concise."))  // critique on by default
        // Blind: response letters only; content escaped.
        #expect(grid.contains("Blue␛[2J is a colour."))
        // D > C > A = B. After each tier the selection jumps to the next response without one.
        press(app, .down, .down, .down, .character("1"))  // D; selection goes to A
        press(app, .down, .down, .character("2"))  // C; selection goes to A
        press(app, .character("g"))  // unused key: nothing happens
        press(app, .character("3"), .character("3"))  // A, then B
        grid = render(app)
        #expect(grid.contains("Order: D > C > A = B"))
        press(app, .character("f"), .character("h"))  // flag the selected response (B) harmful
        press(app, .character("s"))
        let ranking = try #require(service.submittedRankings.first)
        #expect(ranking.tiers == [[103], [102], [100, 101]])
        #expect(ranking.flags == [RankingFlag(kind: .harmful, responseID: 101)])
        #expect(ranking.instructionVersion == 3)
        grid = render(app)
        #expect(grid.contains("No rankings are waiting"))
        press(app, .character("q"), .character("u"))
        #expect(service.submittedRankings.isEmpty)
        #expect(render(app).contains("Undone: ranking of prompt #10"))
    }

    @Test func keysTypedWhileTheRankScreenLoadsAreApplied() throws {
        let service = InMemoryLabelingService.sample()
        let app = try LabelingApp(service: service, drafts: DraftBoard(drafter: nil))
        // The item lands only on the next tick: these keys arrive while the screen is still loading.
        for key: Key in [.character("r"), .down, .down, .down, .character("1")] { app.handle(key) }
        settle(app)
        press(app, .down, .down, .character("2"), .character("3"), .character("3"), .character("s"))
        let ranking = try #require(service.submittedRankings.first)
        #expect(ranking.tiers == [[103], [102], [100, 101]])
    }

    @Test func missingCritiquesAreWrittenByTheDrafterShownAndStored() async throws {
        let service = InMemoryLabelingService.sample()
        let board = DraftBoard(drafter: FixedDrafter(), draftsPerPrompt: 1)
        let app = try LabelingApp(service: service, drafts: board)
        press(app, .character("r"), .down)  // response B has no stored critique
        #expect(await board.settled(timeout: 5))
        settle(app)  // the critiques land and are stored
        settle(app)
        #expect(render(app).contains("Critique of: 赤 (red) 🙂"))
        #expect(service.recordedCritiques.map(\.responseID).sorted() == [101, 102, 103])
        press(app, .character("c"))
        #expect(!render(app).contains("Critique of:"))
    }

    @Test func submittingAnIncompleteRankingExplainsWhatIsMissing() throws {
        let service = InMemoryLabelingService.sample()
        let app = try LabelingApp(service: service, drafts: DraftBoard(drafter: nil))
        press(app, .character("r"), .character("1"), .character("s"))
        #expect(service.submittedRankings.isEmpty)
        #expect(render(app).contains("Give every response a tier"))
        press(app, .character("x"), .character("s"))
        let ranking = try #require(service.submittedRankings.first)
        #expect(ranking.allUnacceptable)
        // Still ordered: A first, the rest tied behind it.
        #expect(ranking.tiers == [[100], [101, 102, 103]])
    }

    @Test func rankLayoutsFitNarrowAndWideTerminals() throws {
        for (width, height) in [(80, 24), (60, 20), (140, 40)] {
            let app = try LabelingApp(service: InMemoryLabelingService.sample(), drafts: DraftBoard(drafter: nil))
            press(app, .character("r"))
            let grid = render(app, width: width, height: height)
            #expect(grid.contains("A ["))
            #expect(grid.contains("D ["))
            #expect(grid.contains("Response A"))
            #expect(grid.rowText(height - 1).contains("1-9"))
            // CJK in the list keeps the row the exact width of the grid.
            let cjkRow = try #require(grid.row(containing: "赤"))
            #expect(DisplayWidth.of(grid.rowText(cjkRow)) == width)
        }
    }

    @Test func demonstrationTakesADraftPullsAParagraphAndRecordsProvenance() async throws {
        let service = InMemoryLabelingService.sample()
        let board = DraftBoard(drafter: FixedDrafter(), draftsPerPrompt: 2)
        let app = try LabelingApp(service: service, drafts: board)
        press(app, .character("d"))
        #expect(await board.settled(timeout: 5))
        _ = app.tick()
        var grid = render(app, width: 120, height: 30)
        #expect(grid.contains("Say hello politely."))
        #expect(grid.contains("Draft 1 first paragraph."))
        press(app, .tab, .character("t"))  // take draft 1
        press(app, .tab, .character("l"), .character("j"), .character("p"))  // pull paragraph 2 of draft 2
        press(app, .tab)
        type(app, " Done?")  // `?` and `q` are text here
        grid = render(app, width: 120, height: 30)
        #expect(grid.contains("Draft 2 second paragraph. Done?"))
        press(app, .control("s"))
        let demonstration = try #require(service.submittedDemonstrations.first)
        // Live drafts were stored in the workspace and the demonstration refers to them by id.
        let drafts = service.recordedDrafts.filter { $0.promptID == 1 }
        #expect(drafts.count == 2)
        #expect(drafts.allSatisfy { $0.drafter == .endpoint(model: "fixed") })
        let draftOne = try #require(drafts.first { $0.text.hasPrefix("Draft 1") })
        let draftTwo = try #require(drafts.first { $0.text.hasPrefix("Draft 2") })
        #expect(demonstration.sourceDraftIDs == [draftOne.id, draftTwo.id])
        #expect(demonstration.text.hasPrefix("Draft 1 first paragraph."))
        #expect(demonstration.editDistances.keys.sorted() == [draftOne.id, draftTwo.id].sorted())
        #expect(demonstration.editDistances[draftOne.id] == EditDistance.between(demonstration.text, draftOne.text))
        #expect(demonstration.assignmentID == 1001)
        #expect(demonstration.instructionVersion == 3)
        // The next prompt is a conversation.
        grid = render(app, width: 120, height: 30)
        #expect(grid.contains("Are you sure?"))
        #expect(grid.contains("Assistant"))
    }

    @Test func halfWrittenDemonstrationIsAutosavedAndComesBack() throws {
        let service = InMemoryLabelingService.sample()
        let app = try LabelingApp(service: service, drafts: DraftBoard(drafter: nil))
        var clock = Date(timeIntervalSince1970: 1000)
        app.context.now = { clock }
        press(app, .character("d"))
        type(app, "Hello q? 你好")
        #expect(service.savedDrafts[1001] == nil)
        clock += 2
        settle(app)
        settle(app)
        #expect(service.savedDrafts[1001] == "Hello q? 你好")
        type(app, "!")
        press(app, .escape)  // leaving saves at once
        #expect(service.savedDrafts[1001] == "Hello q? 你好!")
        press(app, .character("d"))
        let screen = try #require(app.top as? DemonstrateScreen)
        #expect(screen.editor.text == "Hello q? 你好!")
    }

    @Test func failingDrafterShowsANoticeNotAStuckScreen() async throws {
        struct BrokenDrafter: Drafter {
            var author: DraftAuthor { .endpoint(model: "broken") }
            func draft(conversation: [ChatTurn], instructions: String, variant: Int) async throws -> String {
                throw ChatCompletionsDrafter.Failure.transport("connection refused")
            }
            func critique(response: String, conversation: [ChatTurn], instructions: String) async throws -> String {
                throw ChatCompletionsDrafter.Failure.transport("connection refused")
            }
        }
        let board = DraftBoard(drafter: BrokenDrafter(), draftsPerPrompt: 1)
        let app = try LabelingApp(service: InMemoryLabelingService.sample(), drafts: board)
        press(app, .character("d"))
        #expect(await board.settled(timeout: 5))
        // The failure may already have been picked up by the tick after the key press; either way the
        // notice is on the next frame.
        let grid = render(app, width: 120, height: 30)
        #expect(grid.contains("No draft: draft endpoint unreachable: connection refused"))
        type(app, "still typing")
        #expect((app.top as? DemonstrateScreen)?.editor.text == "still typing")
    }

    @Test func compareSideBySideOrStacked() throws {
        let service = InMemoryLabelingService.sample()
        let app = try LabelingApp(service: service, drafts: DraftBoard(drafter: nil))
        press(app, .character("c"))
        let wide = render(app, width: 120, height: 30)
        let row = try #require(wide.row(containing: "Left answer"))
        #expect(wide.rowText(row).contains("Right answer"))
        let narrow = render(app, width: 80, height: 24)
        let left = try #require(narrow.row(containing: "Left answer"))
        let right = try #require(narrow.row(containing: "Right answer"))
        #expect(right > left)
        press(app, .character("b"), .character("3"), .enter)
        let comparison = try #require(service.submittedComparisons.first)
        #expect(comparison.choice == .second)
        #expect(comparison.strength == 3)
    }

    @Test func compareScrollsBackUpAtOnceAfterScrollingPastTheEnd() throws {
        let service = InMemoryLabelingService.sample()
        let long = (1...30).map { "line \($0)" }.joined(separator: "\n")
        service.comparisons[0].first = ShownResponse(responseID: 200, text: long)
        let app = try LabelingApp(service: service, drafts: DraftBoard(drafter: nil))
        press(app, .character("c"))
        // The number of the first "line N" shown in response A.
        func topLine() throws -> Int {
            let grid = render(app)
            let row = try #require(grid.row(containing: "line "))
            let text = grid.rowText(row)
            let number = try #require(text.range(of: "line ")).upperBound
            return try #require(Int(text[number...].prefix { $0.isNumber }))
        }
        // Far more presses than there are lines, each drawn, as on the terminal.
        for _ in 0..<60 {
            press(app, .character("j"))
            _ = render(app)
        }
        let bottom = try topLine()
        #expect(bottom > 1)
        press(app, .character("k"))
        #expect(try topLine() == bottom - 1)
    }

    @Test func reviewIsForAdmins() throws {
        let service = InMemoryLabelingService.sample()
        service.isAdmin = true
        let app = try LabelingApp(service: service, drafts: DraftBoard(drafter: nil))
        press(app, .character("v"))
        let grid = render(app)
        #expect(grid.contains("Labels by labeler"))
        #expect(grid.contains("75.0 % over 4 pairs"))
        #expect(grid.contains("#7 harmful by bob"))

        // Other labelers are not offered the screen, and if they reach it anyway it shows nothing.
        service.isAdmin = false
        let other = try LabelingApp(service: service, drafts: DraftBoard(drafter: nil))
        #expect(!render(other).contains("Review (admin)"))
        press(other, .character("v"))
        #expect(other.top is HomeScreen)
        other.push(ReviewScreen())
        settle(other)
        let refused = render(other)
        #expect(refused.contains("Review is for admins."))
        #expect(!refused.contains("Labels by labeler"))
        #expect(!refused.contains("#7 harmful by bob"))
    }

    @Test func escapeAndQAlwaysBackOutAndQuitFromHome() throws {
        let app = try LabelingApp(service: InMemoryLabelingService.sample(), drafts: DraftBoard(drafter: nil))
        press(app, .character("r"), .escape)
        #expect(app.top is HomeScreen)
        press(app, .character("d"), .escape)
        #expect(app.top is HomeScreen)
        press(app, .character("q"))
        #expect(!app.isRunning)
    }

    @Test func tinyTerminalsDoNotCrash() throws {
        let app = try LabelingApp(service: InMemoryLabelingService.sample(), drafts: DraftBoard(drafter: nil))
        for screen in ["r", "d", "c"] {
            press(app, .character(Character(screen)))
            for (width, height) in [(1, 1), (20, 6), (30, 8), (45, 10)] {
                _ = render(app, width: width, height: height)
            }
            press(app, .escape)
        }
    }
}
