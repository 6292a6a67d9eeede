import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Drives the real `tally label` binary inside tmux (send-keys, capture-pane) and checks the rows it wrote
/// with the sqlite3 command-line tool.
///
/// Needs the debug build of `tally` (`swift build --build-tests` makes it), tmux and sqlite3.
@Suite(.serialized) struct LabelEndToEndTests {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The `tally` built beside these tests (so a `--scratch-path` build tests its own binary), else the
    /// one in the default build folder.
    static var tallyBinary: URL? {
        let beside = Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("tally")
        let defaults = [
            ".build/debug/tally", ".build/x86_64-unknown-linux-gnu/debug/tally",
            ".build/aarch64-unknown-linux-gnu/debug/tally",
        ].map { packageRoot.appendingPathComponent($0) }
        return ([beside].compactMap { $0 } + defaults).first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Runs a command (found on PATH) and returns its output, failing on a non-zero exit status.
    ///
    /// Spawned with posix_spawn and waited for with waitpid, output through a file: the tmux server that
    /// `new-session` leaves behind inherits whatever the child had, and must not keep this test waiting.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tally-e2e-\(UUID().uuidString).out"
        ).path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        // Start with no signal blocked and default handlers (test threads block some, and the tmux server
        // left behind would inherit that and never notice kill-server).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], &actions, &attributes, &argv, environ)
        guard spawned == 0 else { throw Failure(description: "could not start \(arguments[0]): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exitedCleanly = (status & 0x7F) == 0 && ((status >> 8) & 0xFF) == 0
        guard exitedCleanly else {
            throw Failure(description: "\(arguments.joined(separator: " ")) failed (status \(status)): \(text)")
        }
        return text
    }

    /// One tmux server on its own socket, so the test never touches a user's sessions.
    struct Tmux {
        let socket = "tally-e2e-\(ProcessInfo.processInfo.processIdentifier)-\(Int.random(in: 0..<1_000_000))"

        func command(_ arguments: [String]) throws -> String {
            try LabelEndToEndTests.run(["tmux", "-L", socket] + arguments)
        }

        func send(_ keys: String...) throws {
            _ = try command(["send-keys", "-t", "e2e"] + keys)
        }

        func type(_ text: String) throws {
            _ = try command(["send-keys", "-t", "e2e", "-l", text])
        }

        func screen() -> String {
            (try? command(["capture-pane", "-p", "-t", "e2e"])) ?? ""
        }

        /// Waits until the screen shows `text`; fails with the screen it saw.
        func waitFor(_ text: String, timeout: TimeInterval = 10) throws {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if screen().contains(text) { return }
                Thread.sleep(forTimeInterval: 0.05)
            }
            throw Failure(description: "the screen never showed \"\(text)\"; it shows:\n\(screen())")
        }

        func kill() {
            _ = try? command(["kill-server"])
        }

        /// Starts `tally label <arguments>` on `workspace` in a session `width` columns wide, reads past the
        /// instructions shown on first use and waits for Home.
        func startLabeling(_ tally: URL, _ arguments: String, workspace: URL, width: Int = 100) throws {
            let line =
                "env TERM=xterm-256color NO_COLOR=1 TALLY_DRAFT_BASE_URL= \(tally.path) label \(arguments) "
                + "--workspace \(workspace.path)"
            _ = try command(["new-session", "-d", "-s", "e2e", "-x", String(width), "-y", "30", line])
            _ = try command(["set-option", "-g", "escape-time", "0"])
            try waitFor("Instructions (please read before you start)")
            try waitFor("Labeling guidelines")
            try send("q")
            try waitFor("Demonstrations to write")
        }
    }

    /// The response texts by letter, read from the ranking list rows (`▸ A [·] text`).
    static func responseLetters(on screen: String) -> [String: String] {
        var letters: [String: String] = [:]
        for line in screen.split(separator: "\n") {
            let row = line.drop { $0 == " " || $0 == "▸" }
            guard let letter = row.first, "ABCD".contains(letter), row.dropFirst().hasPrefix(" ["),
                let close = row.firstIndex(of: "]")
            else { continue }
            letters[String(letter)] = row[row.index(after: close)...].trimmingCharacters(in: .whitespaces)
        }
        return letters
    }

    /// How many processes have `text` in their command line (read from /proc).
    static func processesMentioning(_ text: String) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { entry in
            guard Int(entry) != nil, let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { return false }
            return String(decoding: data, as: UTF8.self).contains(text)
        }.count
    }

    static func sql(_ database: URL, _ query: String) throws -> String {
        try run(["sqlite3", database.path, query]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func demonstrateRankWithATieUndoAndSurviveAHangUp() throws {
        guard let tally = Self.tallyBinary else {
            Issue.record("build the tally binary first: swift build --build-tests")
            return
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let workspace = folder.appendingPathComponent("ws")
        try Self.run([tally.path, "init", workspace.path])
        let prompts = folder.appendingPathComponent("prompts.jsonl")
        try Data("{\"prompt\": \"Greet the user politely.\"}\n{\"prompt\": \"Say goodbye.\"}\n".utf8).write(to: prompts)
        let candidates = folder.appendingPathComponent("candidates.jsonl")
        let line = """
            {"prompt": "Name a primary colour.", "responses": ["Red.", "Blue, a primary colour.", \
            "Green\\u001b[2J is one.", "I cannot answer that."]}

            """
        try Data(line.utf8).write(to: candidates)
        try Self.run([tally.path, "import", "prompts", prompts.path, "--workspace", workspace.path])
        try Self.run([tally.path, "import", "responses", candidates.path, "--workspace", workspace.path])

        let tmux = Tmux()
        defer { tmux.kill() }
        // A long autosave delay: only the hang-up can save the half-written text at the end.
        try tmux.startLabeling(tally, "--as ada --autosave-delay 60", workspace: workspace)

        // Write a demonstration (wide characters included) and submit it.
        try tmux.send("d")
        try tmux.waitFor("Greet the user politely.")
        try tmux.type("Hello, and welcome! 你好")
        try tmux.waitFor("Hello, and welcome! 你好")
        // A bracketed paste arrives as one piece, newlines included (and Enter in it does not submit).
        _ = try tmux.command(["set-buffer", "-b", "e2e", "\nPasted line.\nSecond pasted line."])
        _ = try tmux.command(["paste-buffer", "-p", "-b", "e2e", "-t", "e2e"])
        try tmux.waitFor("Second pasted line.")
        try tmux.send("C-s")
        try tmux.waitFor("Saved demonstration")
        try tmux.send("Escape")
        try tmux.waitFor("Rankings to do")

        // Rank, undo it, rank again with a tie: D > C > A = B.
        try tmux.send("r")
        try tmux.waitFor("Order: ? A B C D")
        try tmux.waitFor("Green␛[2J is one.")  // escape sequences in content are shown, not obeyed
        try tmux.send("1", "1", "1", "1", "s")
        try tmux.waitFor("Saved ranking")
        try tmux.send("u")
        try tmux.waitFor("Undone: ranking")
        try tmux.waitFor("Order: ? A B C D")
        // The store shows the responses in a per-assignment shuffled order: read which letter is which.
        let letters = Self.responseLetters(on: tmux.screen())
        #expect(letters.count == 4, "responses on screen: \(letters)")
        try tmux.send("Down", "Down", "Down", "1")  // D best; the selection moves on to A
        try tmux.send("Down", "Down", "2")  // C second; back to A
        try tmux.send("3", "3")  // A and B tied last
        try tmux.waitFor("Order: D > C > A = B")
        try tmux.send("s")
        try tmux.waitFor("Saved ranking D > C > A = B")

        // A half-written demonstration survives a lost connection (the tmux server going away hangs up).
        try tmux.send("q")
        try tmux.waitFor("Rankings to do")
        try tmux.send("d")
        try tmux.waitFor("Say goodbye.")
        try tmux.type("half written")
        try tmux.waitFor("half written")
        tmux.kill()

        let database = workspace.appendingPathComponent("tally.sqlite")
        var draft = ""
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            draft = (try? Self.sql(database, "SELECT draftText FROM assignment WHERE draftText IS NOT NULL")) ?? ""
            if draft == "half written" { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(draft == "half written")
        // And the program ended after saving: no process still works in this workspace.
        var stillRunning = true
        let exitDeadline = Date().addingTimeInterval(10)
        while Date() < exitDeadline {
            stillRunning = Self.processesMentioning(workspace.path) > 0
            if !stillRunning { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(!stillRunning, "tally label is still running after the hang-up")

        #expect(
            try Self.sql(database, "SELECT text FROM demonstration")
                == "Hello, and welcome! 你好\nPasted line.\nSecond pasted line.")
        #expect(
            try Self.sql(database, "SELECT count(*) FROM demonstration WHERE instructionVersionId IS NOT NULL") == "1")
        #expect(try Self.sql(database, "SELECT count(*) FROM ranking") == "1")
        let rows = try Self.sql(
            database, "SELECT r.text || '=' || e.tier FROM rankingEntry e JOIN response r ON r.id = e.responseId")
        var stored: [String: String] = [:]
        for row in rows.split(separator: "\n") {
            guard let separator = row.lastIndex(of: "=") else { continue }
            stored[String(row[..<separator])] = String(row[row.index(after: separator)...])
        }
        // D > C > A = B, whichever texts those letters showed (the escape shown as ␛ is stored as ESC).
        var expected: [String: String] = [:]
        for (letter, tier) in [("D", "0"), ("C", "1"), ("A", "2"), ("B", "2")] {
            if let text = letters[letter] { expected[text.replacingOccurrences(of: "␛", with: "\u{1B}")] = tier }
        }
        #expect(stored == expected)
        #expect(
            try Self.sql(database, "SELECT labeler.name FROM ranking JOIN labeler ON labeler.id = ranking.labelerId")
                == "ada")
    }
}
