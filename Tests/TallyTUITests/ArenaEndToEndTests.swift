import Foundation
import Testing

/// Drives the real `tally arena battle --judge human` and `tally label`'s Arena screen in tmux: the battles wait
/// for a person, the screen names no model before the vote, the vote reveals them and lands in the workspace.
///
/// Uses the bundled base model (datasets/base-model) twice, as `sft-1` and `dpo-1` (different prompt styles, so
/// different responses).
@Suite(.serialized) struct ArenaEndToEndTests {
    typealias E2E = LabelEndToEndTests

    @Test func voteBlindThenSeeTheNamesAndSkipABattle() throws {
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
        for (name, kind) in [("sft-1", "sft"), ("dpo-1", "dpo")] {
            try E2E.run([
                tally.path, "checkpoint", "import", baseModel.path, "--name", name, "--kind", kind, "--workspace",
                workspace.path,
            ])
        }
        let prompts = folder.appendingPathComponent("arena.txt")
        try Data("What is 17 + 26?\nReverse the word \"lantern\".\n".utf8).write(to: prompts)
        let queued = try E2E.run([
            tally.path, "arena", "battle", "--models", "sft-1,dpo-1", "--prompts", prompts.path, "--per-pair", "2",
            "--judge", "human", "--max-new-tokens", "12", "--seed", "3", "--workspace", workspace.path,
        ])
        #expect(queued.contains("queued 2 battles for people to judge"), "output: \(queued)")
        #expect(queued.contains("tally label"), "output: \(queued)")

        let tmux = E2E.Tmux()
        defer { tmux.kill() }
        // 120 columns: A and B side by side.
        try tmux.startLabeling(tally, "--as ada --no-drafts", workspace: workspace, width: 120)
        // Home's arena row: 2 waiting, 0 done (the counts arrive from the background).
        try Self.waitForArenaRow(tmux, ["2", "0"])

        try tmux.send("a")
        try tmux.waitFor("Which is better?")
        let before = tmux.screen()
        #expect(!before.contains("sft-1") && !before.contains("dpo-1"), "a model's name before the vote:\n\(before)")
        let headings = before.split(separator: "\n").first { $0.contains("Response A") } ?? ""
        #expect(headings.contains("Response B"), "A and B side by side:\n\(before)")

        try tmux.send("b")  // B (right) is better
        try tmux.waitFor("any key for the next battle")
        let revealed = tmux.screen()
        let line = revealed.split(separator: "\n").first { $0.contains("A was ") } ?? ""
        let names = Self.revealedNames(String(line))
        #expect(
            names.map { Set([$0.left, $0.right]) } == ["sft-1", "dpo-1"], "the reveal line: \(line)\n\(revealed)")

        let database = workspace.appendingPathComponent("tally.sqlite")
        let stored = try E2E.sql(
            database,
            """
            SELECT b.modelA, b.modelB, b.leftSide, b.outcome, b.judgeKind, b.judge, l.name
            FROM arenaBattle b JOIN labeler l ON l.id = b.labelerId WHERE b.outcome IS NOT NULL
            """
        ).split(separator: "|").map(String.init)
        try #require(stored.count == 7, "stored: \(stored)")
        let (modelA, modelB, leftSide, outcome) = (stored[0], stored[1], stored[2], stored[3])
        #expect(stored[4] == "human" && stored[5] == "human:ada" && stored[6] == "ada")
        // The screen's A was the stored left side; the vote for B (the right) names the right model the winner.
        #expect(names?.left == (leftSide == "A" ? modelA : modelB))
        #expect(names?.right == (outcome == "A" ? modelA : modelB))

        // Any key: the next battle, still blind. Skip it: alone in the queue, it comes straight back.
        try tmux.send("Enter")
        try tmux.waitFor("Which is better?")
        #expect(!tmux.screen().contains("sft-1") && !tmux.screen().contains("dpo-1"))
        try tmux.send("n")
        try tmux.waitFor("here it is again")
        try tmux.send("q")
        try Self.waitForArenaRow(tmux, ["1", "1"])
        try tmux.send("q")
        let exitDeadline = Date().addingTimeInterval(10)
        while Date() < exitDeadline && E2E.processesMentioning(workspace.path) > 0 {
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(
            try E2E.sql(database, "SELECT count(*) FROM arenaBattle WHERE outcome IS NULL AND skippedAt IS NOT NULL")
                == "1")
    }

    /// Waits until Home's "Arena votes" row shows `counts` (waiting, done); fails with the screen it saw.
    static func waitForArenaRow(_ tmux: E2E.Tmux, _ counts: [String]) throws {
        let deadline = Date().addingTimeInterval(10)
        var row = ""
        while Date() < deadline {
            row = tmux.screen().split(separator: "\n").first { $0.contains("Arena votes") }.map(String.init) ?? ""
            let words = row.split(separator: " ").map(String.init)
            if let name = words.firstIndex(of: "votes"), Array(words[(name + 1)...]) == counts { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw E2E.Failure(description: "Home's arena row never showed \(counts): \"\(row)\"\n\(tmux.screen())")
    }

    /// The models in a line `… A was X · B was Y — any key …`.
    static func revealedNames(_ line: String) -> (left: String, right: String)? {
        guard let start = line.range(of: "A was "), let middle = line.range(of: " · B was "),
            let end = line.range(of: " — ")
        else { return nil }
        return (String(line[start.upperBound..<middle.lowerBound]), String(line[middle.upperBound..<end.lowerBound]))
    }
}
