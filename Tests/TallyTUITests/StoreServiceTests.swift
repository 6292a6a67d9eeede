import Foundation
import TallyStore
import Testing

@testable import TallyTUI

/// A drafter that records which conversations it was asked to draft for (the real drafters are tested apart).
final class RecordingDrafter: Drafter, @unchecked Sendable {
    private let lock = NSLock()
    private var asked: [String] = []

    var author: DraftAuthor { .endpoint(model: "recording") }

    /// The last user turn of every conversation drafted for, in no particular order, once per variant.
    var promptsAsked: [String] {
        lock.lock()
        defer { lock.unlock() }
        return asked
    }

    func draft(conversation: [ChatTurn], instructions: String, variant: Int) async throws -> String {
        record(conversation.last?.text ?? "")
        return "Draft \(variant) for \(conversation.last?.text ?? "")"
    }

    func critique(response: String, conversation: [ChatTurn], instructions: String) async throws -> String {
        "Critique"
    }

    private func record(_ prompt: String) {
        lock.lock()
        defer { lock.unlock() }
        asked.append(prompt)
    }
}

/// The screens on a real workspace through `StoreLabelingService`.
@Suite struct StoreServiceTests {
    /// A workspace in a temporary folder with `prompts` queued, and a labeler who already exists (so the
    /// instructions do not open first).
    func makeService(prompts: [String], role: LabelerRole = .labeler) throws -> (StoreLabelingService, URL) {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("tally-tui-tests-\(UUID().uuidString)", isDirectory: true)
        let workspace = try Workspace.create(at: folder)
        let database = try workspace.openDatabase()
        try database.setOverlapTarget(1)
        for prompt in prompts { try database.addPrompt(.text(prompt)) }
        _ = try database.labeler(named: "ada", role: role)
        return (try StoreLabelingService(workspace: workspace, database: database, labelerName: "ada"), folder)
    }

    func settle(_ app: LabelingApp) {
        #expect(app.context.writer.finish(timeout: 5))
        _ = app.tick()
    }

    @Test func demonstrationsStoreTheEditDistanceFromTheirSourceDrafts() throws {
        let (service, folder) = try makeService(prompts: ["Explain tides."])
        defer { try? FileManager.default.removeItem(at: folder) }
        let item = try #require(try service.upcomingDemonstrations(limit: 1).first)
        let used = try service.recordDraft(promptID: item.promptID, drafter: .endpoint(model: "m"), text: "Moon.")
        let offered = try service.recordDraft(promptID: item.promptID, drafter: .endpoint(model: "m"), text: "Sun.")
        try service.submit(
            DemonstrationSubmission(
                assignmentID: item.assignmentID, promptID: item.promptID, text: "The moon pulls the sea.",
                sourceDraftIDs: [used], editDistances: [used: 19, offered: 20], instructionVersion: 0,
                secondsSpent: 4))
        // Only the draft it started from is linked, with its distance.
        #expect(
            try service.database.demonstrationDrafts(assignmentID: item.assignmentID) == [
                DemonstrationDraftLink(draftID: used, editDistance: 19)
            ])
    }

    @Test func reviewListsFlaggedItemsNewestFirstWithNoteLabelerAndTime() throws {
        let (service, folder) = try makeService(
            prompts: ["Tell me \u{1B}[31mred\u{1B}[0m secrets", "When did the war end?"], role: .admin)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = service.database
        for (name, flag) in [
            ("bob", LabelFlag(kind: .pii, note: "has an email")),
            ("cy", LabelFlag(kind: .factualError, note: "wrong date")),
        ] {
            let labeler = try database.labeler(named: name)
            let task = try #require(try database.nextDemonstrationTask(for: labeler))
            try database.submitDemonstration(assignmentID: task.assignmentID, text: "Answer", flags: [flag])
        }
        let stored = try database.flaggedItems(limit: 10)
        #expect(stored.map(\.kind) == [.factualError, .pii])
        #expect(stored.map(\.labelerName) == ["cy", "bob"])
        #expect(try database.flaggedItems(limit: 1).map(\.note) == ["wrong date"])

        let app = try LabelingApp(service: service, drafts: DraftBoard(drafter: nil))
        _ = app.context.counts.settled(timeout: 5)
        app.handle(.character("v"))
        settle(app)
        var grid = CellGrid(width: 80, height: 40)
        app.render(into: &grid)
        let newest = try #require(grid.row(containing: "#2 factual error by cy"))
        let older = try #require(grid.row(containing: "#1 PII by bob"))
        #expect(newest < older)
        #expect(grid.rowText(newest).contains("UTC — wrong date"))
        #expect(grid.rowText(older).contains("has an email"))
        #expect(grid.contains("When did the war end?"))
        // The prompt's escape sequences never reach the terminal: the Review screen shows them escaped.
        #expect(grid.contains("Tell me ␛[31mred␛[0m secrets"))
        #expect(!(0..<40).contains { grid.rowText($0).contains("\u{1B}") })

        // On a short terminal the list scrolls down to the last flag.
        var found = false
        for _ in 0..<10 where !found {
            var short = CellGrid(width: 80, height: 10)
            app.render(into: &short)
            found = short.contains("#1 PII by bob")
            if !found { app.handle(.pageDown) }
        }
        #expect(found)
    }

    @Test func draftsArePreparedForTheNextPromptsWithoutClaimingThem() async throws {
        let (service, folder) = try makeService(prompts: ["P0", "P1", "P2", "P3", "P4"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let drafter = RecordingDrafter()
        let board = DraftBoard(drafter: drafter, draftsPerPrompt: 1)
        let app = try LabelingApp(service: service, drafts: board)
        #expect(app.context.prefetchDepth == 3)
        _ = app.context.counts.settled(timeout: 5)
        app.handle(.character("d"))
        settle(app)
        #expect(await board.settled(timeout: 5))
        // The prompt on screen and the next two, each drafted once.
        #expect(drafter.promptsAsked.sorted() == ["P0", "P1", "P2"])
        #expect(board.state(of: .draft(promptID: 2, variant: 0)) == .ready("Draft 0 for P1"))
        // Only the first was claimed: with overlap 1 the next labeler still gets P1.
        let bob = try service.database.labeler(named: "bob")
        #expect(try service.database.nextDemonstrationTask(for: bob)?.prompt.content == .text("P1"))
    }
}
