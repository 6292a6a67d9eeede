import ArgumentParser
import Foundation
import TallyIO
import TallyStore
import TallyTUI

/// `tally bench tui`: keypress-to-redrawn-screen latency and time to the first screen on a large workspace.
struct BenchTUI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tui",
        abstract: "Time tally label on a big workspace: first screen, and keypress to repainted screen (p50/p99).",
        discussion: """
            Builds a temporary workspace with --items prompts, each queued for a demonstration and, with \
            4 candidate responses, for a ranking (2 × --items tasks), then drives the real screens with \
            scripted keys. Each key is timed from the key to the repainted screen: the screen's work \
            (store queries and transactions included), rendering the cell grid, and ncurses painting \
            the difference into a headless xterm-256color screen on /dev/null. Prints one JSON line.
            """)

    @Option(name: .long, help: "How many items (prompts with 4 responses) the workspace holds.")
    var items: Int = 100_000

    @Option(name: .long, help: "How many rounds of scripted labeling (one ranking and one demonstration each).")
    var rounds: Int = 40

    @Option(name: .long, help: "Terminal size as COLUMNSxROWS.")
    var size: String = "80x24"

    @Flag(name: .long, help: "Keep the temporary folder and print its path.")
    var keep = false

    func run() throws {
        try reportingErrors {
            guard items > 0, rounds > 0 else { throw ValidationError("--items and --rounds must be positive") }
            let parts = size.split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2, parts[0] >= 40, parts[1] >= 10 else {
                throw ValidationError("--size must look like 80x24 (at least 40x10)")
            }
            let folder = FileManager.default.temporaryDirectory
                .appendingPathComponent("tally-bench-tui-\(ProcessInfo.processInfo.processIdentifier)")
            try? FileManager.default.removeItem(at: folder)
            try DurableFile.createFolder(folder)
            defer { if !keep { try? FileManager.default.removeItem(at: folder) } }

            let setupStart = DispatchTime.now()
            let workspace = try Workspace.create(at: folder.appendingPathComponent("workspace"))
            try workspace.writeStarterInstructions()
            let promptsFile = folder.appendingPathComponent("prompts.jsonl")
            let candidatesFile = folder.appendingPathComponent("candidates.jsonl")
            try Self.writeItems(count: items, prompts: promptsFile, candidates: candidatesFile)
            let setupDatabase = try workspace.openDatabase()
            _ = try setupDatabase.write(CheckedImport.check(promptsFile, options: ImportOptions(kind: .prompts)))
            _ = try setupDatabase.write(CheckedImport.check(candidatesFile, options: ImportOptions(kind: .responses)))
            setupDatabase.close()
            let setupSeconds = Self.seconds(since: setupStart)

            // First screen: open the workspace, load the labeler and queues, render and paint.
            let firstStart = DispatchTime.now()
            let database = try workspace.openDatabase()
            defer { database.close() }
            let service = try StoreLabelingService(workspace: workspace, database: database, labelerName: "bench")
            try service.markInstructionsSeen(version: service.instructions().version)
            let app = try LabelingApp(service: service, drafts: DraftBoard(drafter: nil))
            if app.top is InstructionsScreen { app.handle(.character("q")) }
            let terminal = try NcursesTerminal(
                environment: ["NO_COLOR": ""], headless: (rows: parts[1], columns: parts[0]))
            defer { terminal.close() }
            var grid = CellGrid(width: terminal.width, height: terminal.height)
            app.render(into: &grid)
            terminal.paint(grid)
            let firstScreenMilliseconds = Self.seconds(since: firstStart) * 1000
            // The queue counts are computed in the background and drawn when they arrive.
            _ = app.context.counts.settled(timeout: 60)
            if app.tick() {
                app.render(into: &grid)
                terminal.paint(grid)
            }
            let countsShownMilliseconds = Self.seconds(since: firstStart) * 1000

            var clock = Date()
            app.context.now = { clock }
            var latencies: [String: [Double]] = [:]
            // CPU time of the UI thread per key: on a shared machine wall time also counts the time the
            // thread waited for a core.
            var cpuTimes: [Double] = []
            func press(_ key: Key, as kind: String) {
                let start = DispatchTime.now()
                let cpuStart = Self.threadCPUSeconds()
                app.handle(key)
                app.render(into: &grid)
                terminal.paint(grid)
                latencies[kind, default: []].append(Self.seconds(since: start) * 1000)
                cpuTimes.append((Self.threadCPUSeconds() - cpuStart) * 1000)
                // Claims and transactions run in the background; when the key started one, also time
                // how long until its result (the next item) is on screen.
                if app.context.writer.isBusy {
                    app.context.writer.finish(timeout: 60)
                    _ = app.tick()
                    app.render(into: &grid)
                    terminal.paint(grid)
                    latencies[kind + " → item shown", default: []].append(Self.seconds(since: start) * 1000)
                }
                // What the event loop does between keys (background results, autosave), not timed.
                if app.tick() {
                    app.render(into: &grid)
                    terminal.paint(grid)
                }
            }
            for round in 0..<rounds {
                press(.character("r"), as: "open screen")
                for key: Key in [
                    .down, .down, .up, .character("c"), .character("c"), .character("z"), .pageDown,
                    .character("z"),
                ] {
                    press(key, as: "navigate")
                }
                for key: Key in [.character("1"), .character("2"), .character("3"), .character("3")] {
                    press(key, as: "tier")
                }
                press(.character("s"), as: "submit")
                press(.character("q"), as: "back to home")
                press(.character("d"), as: "open screen")
                for character in "Round \(round): 中文 answer, written carefully." {
                    press(.character(character), as: "type")
                }
                for key: Key in [
                    .wordLeft, .shiftWordRight, .control("x"), .end, .control("v"), .control("z"),
                    .control("y"), .enter, .up, .down,
                ] {
                    press(key, as: "edit")
                }
                // A second of quiet: the autosave starts (in the background) on the next tick.
                clock += 2
                let autosaveStart = DispatchTime.now()
                _ = app.tick()
                app.render(into: &grid)
                terminal.paint(grid)
                latencies["autosave tick", default: []].append(Self.seconds(since: autosaveStart) * 1000)
                app.context.writer.finish(timeout: 60)
                press(.control("s"), as: "submit")
                press(.escape, as: "back to home")
            }
            // The script must have done what it claims, or the figures mean nothing.
            let progress = try database.status().labelers.first { $0.name == "bench" }
            guard progress?.demonstrations == rounds, progress?.rankings == rounds else {
                let done = "\(progress?.demonstrations ?? 0) demonstrations and \(progress?.rankings ?? 0) rankings"
                throw ValidationError("the scripted session went wrong: \(done) submitted, \(rounds) of each expected")
            }
            let all = latencies.filter { !$0.key.hasSuffix("item shown") }.values.flatMap { $0 }
            var byKind: [String: [String: Double]] = [:]
            for (kind, values) in latencies {
                byKind[kind] = [
                    "n": Double(values.count), "p50_ms": Self.percentile(values, 0.5),
                    "p99_ms": Self.percentile(values, 0.99), "max_ms": values.max() ?? 0,
                ]
            }
            let report: [String: Any] = [
                "bench": "tui", "items": items, "size": size, "setup_s": (setupSeconds * 10).rounded() / 10,
                "first_screen_ms": (firstScreenMilliseconds * 100).rounded() / 100,
                "counts_shown_ms": (countsShownMilliseconds * 100).rounded() / 100,
                "keys": all.count, "p50_ms": Self.percentile(all, 0.5), "p99_ms": Self.percentile(all, 0.99),
                "max_ms": all.max() ?? 0, "by_kind": byKind,
                "cpu_p50_ms": Self.percentile(cpuTimes, 0.5), "cpu_p99_ms": Self.percentile(cpuTimes, 0.99),
                "load_average_1m": Self.loadAverage(),
            ]
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            if keep { print("workspace kept at \(folder.path)") }
        }
    }

    static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    static func loadAverage() -> Double {
        var loads = [Double](repeating: 0, count: 3)
        return getloadavg(&loads, 3) > 0 ? (loads[0] * 100).rounded() / 100 : -1
    }

    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let index = min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)
        return (sorted[max(0, index)] * 1000).rounded() / 1000
    }

    /// The same prompts twice: `{"prompt": …}` lines (queued for demonstrations) and
    /// `{"prompt": …, "responses": [4 texts]}` lines (queued for ranking); some with CJK and emoji.
    static func writeItems(count: Int, prompts: URL, candidates: URL) throws {
        var promptLines = ""
        var candidateLines = ""
        promptLines.reserveCapacity(count * 60)
        candidateLines.reserveCapacity(count * 220)
        for index in 0..<count {
            let a = index % 97
            let b = index % 89
            let prompt =
                index % 10 == 0
                ? "问题 \(index): \(a) 加 \(b) 等于多少？ 🙂" : "Question \(index): what is \(a) + \(b)?"
            let responses = [
                "\(a + b).", "It is \(a + b), because \(a) + \(b) = \(a + b).", "\(a + b + 1)",
                "I cannot help with arithmetic.",
            ]
            let promptData = try JSONSerialization.data(withJSONObject: ["prompt": prompt], options: [.sortedKeys])
            promptLines += String(decoding: promptData, as: UTF8.self) + "\n"
            let line: [String: Any] = ["prompt": prompt, "responses": responses]
            let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
            candidateLines += String(decoding: data, as: UTF8.self) + "\n"
        }
        try AtomicFile.write(promptLines, to: prompts)
        try AtomicFile.write(candidateLines, to: candidates)
    }
}
