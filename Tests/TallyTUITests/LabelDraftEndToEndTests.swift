import Foundation
import Testing

/// Drives the real `tally label` on a workspace holding a model: the labeler writes a demonstration that
/// starts from the model's draft, and the store remembers which draft it came from.
///
/// Uses the bundled base model (datasets/base-model) as the workspace's checkpoint, which writes the
/// drafts on the embedded engine.
@Suite(.serialized) struct LabelDraftEndToEndTests {
    typealias E2E = LabelEndToEndTests

    @Test func aDemonstrationStartsFromTheModelsDraft() throws {
        guard let tally = E2E.tallyBinary else {
            Issue.record("build the tally binary first: swift build --build-tests")
            return
        }
        let baseModel = E2E.packageRoot.appendingPathComponent("datasets/base-model")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let workspace = folder.appendingPathComponent("ws")
        try E2E.run([tally.path, "init", workspace.path])
        try E2E.run([
            tally.path, "checkpoint", "import", baseModel.path, "--name", "base", "--kind", "base", "--workspace",
            workspace.path,
        ])
        let prompts = folder.appendingPathComponent("prompts.jsonl")
        try Data("{\"prompt\": \"What is 17 + 26?\"}\n".utf8).write(to: prompts)
        try E2E.run([tally.path, "import", "prompts", prompts.path, "--workspace", workspace.path])

        let tmux = E2E.Tmux()
        defer { tmux.kill() }
        // 80 columns: the editor's title then counts the drafts ready to take.
        try tmux.startLabeling(tally, "--as grace --drafts 1", workspace: workspace, width: 80)
        try tmux.send("d")
        try tmux.waitFor("What is 17 + 26?")

        // The model's draft is written in the background and stored in the workspace.
        let database = workspace.appendingPathComponent("tally.sqlite")
        var drafts = "0"
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            drafts = (try? E2E.sql(database, "SELECT count(*) FROM draft WHERE checkpointId IS NOT NULL")) ?? "0"
            if drafts != "0" { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(drafts == "1", "the base model wrote no draft:\n\(tmux.screen())")
        // The screen can offer the draft once it has learnt the stored draft's id, on a later tick.
        try tmux.waitFor("drafts 1/1")

        // Take the draft as the starting text, add to it, submit.
        try tmux.send("Tab")
        try tmux.waitFor("take")
        try tmux.send("t")
        try tmux.waitFor("C-s submit")  // taking a draft returns to the editor
        try tmux.send("M->")
        try tmux.type(" Checked by hand.")
        try tmux.waitFor("Checked by hand.")
        try tmux.send("C-s")
        try tmux.waitFor("Saved demonstration")
        try tmux.send("q")
        try tmux.send("q")
        // Read the database once the program has finished its writes and quit.
        let exitDeadline = Date().addingTimeInterval(10)
        while Date() < exitDeadline && E2E.processesMentioning(workspace.path) > 0 {
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(E2E.processesMentioning(workspace.path) == 0, "tally label did not quit:\n\(tmux.screen())")

        #expect(try E2E.sql(database, "SELECT count(*) FROM demonstration") == "1")
        // The demonstration remembers the model draft it started from, and holds that draft's text.
        let startedFrom = try E2E.sql(
            database,
            """
            SELECT count(*) FROM demonstration d
            JOIN demonstrationDraft dd ON dd.demonstrationId = d.id
            JOIN draft dr ON dr.id = dd.draftId
            WHERE dr.checkpointId IS NOT NULL AND instr(d.text, substr(dr.text, 1, 12)) > 0
              AND d.text LIKE '%Checked by hand.'
            """)
        let stored = (try? E2E.sql(database, "SELECT text FROM demonstration")) ?? ""
        #expect(startedFrom == "1", "demonstration: \(stored)")
    }
}
