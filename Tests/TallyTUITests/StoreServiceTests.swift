import Foundation
import TallyStore
import Testing

@testable import TallyTUI

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
}
