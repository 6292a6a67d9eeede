import Foundation
import Testing

@testable import TallyStore
@testable import TallyTUI

/// `tally label`'s session: who it labels as, and whether the Review screen (everyone's labels) opens.
@Suite struct StoreServiceIdentityTests {
    private func workspace() throws -> (Workspace, URL) {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("tally-tui-identity-\(UUID().uuidString)", isDirectory: true)
        let workspace = try Workspace.create(at: folder)
        try workspace.writeStarterInstructions()
        return (workspace, folder)
    }

    @Test func theCreatorLabelsAsTheirAccountAndReviews() throws {
        let (workspace, folder) = try workspace()
        defer { try? FileManager.default.removeItem(at: folder) }
        let service = try StoreLabelingService(workspace: workspace, database: try workspace.openDatabase())
        #expect(service.labelerName == SystemAccount.current)
        #expect(service.isAdmin)
    }

    /// Another account labels as itself, blind: the Review screen does not open for it, and it cannot take
    /// another labeler's name.
    @Test func anotherAccountLabelsBlindAndOnlyAsItself() throws {
        let (workspace, folder) = try workspace()
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try TallyDatabase.open(at: workspace.databaseURL, account: "mallory")
        #expect(throws: LabelerAccessError.self) {
            try StoreLabelingService(workspace: workspace, database: database, labelerName: SystemAccount.current)
        }
        let service = try StoreLabelingService(workspace: workspace, database: database)
        #expect(service.labelerName == "mallory")
        #expect(!service.isAdmin)
        let app = try LabelingApp(service: service, drafts: DraftBoard(drafter: nil))
        _ = app.context.counts.settled(timeout: 5)
        app.push(ReviewScreen())
        #expect(app.context.writer.finish(timeout: 5))
        _ = app.tick()
        var grid = CellGrid(width: 80, height: 24)
        app.render(into: &grid)
        #expect(grid.row(containing: "Review is for admins.") != nil)
        #expect(grid.row(containing: "Labels by labeler") == nil)
    }
}
