import ArgumentParser
import Foundation
import TallyIO
import TallyStore
import TallyWorld

/// `tally bench import`: how fast preference pairs are imported.
struct BenchImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Generate a TRL preference file, import it into a fresh workspace, print pairs/s.",
        discussion: """
            Timed (seconds, pairs_per_s): what `tally import prefs` does with the file — checking every \
            line (check_s), opening the workspace database, then writing the file in one transaction up to \
            its durable commit while parsing it again. Not timed: generating the file; closing the database \
            is reported apart as close_s. cpu_s is the process CPU time over the timed part (the machine \
            may be shared).
            """)

    @Option(name: .long, help: "How many preference pairs to generate.")
    var pairs: Int = 100_000

    @Flag(name: .long, help: "Keep the temporary folder and print its path.")
    var keep = false

    func run() throws {
        try reportingErrors {
            guard pairs > 0 else { throw ValidationError("--pairs must be positive") }
            let folder = FileManager.default.temporaryDirectory
                .appendingPathComponent("tally-bench-import-\(ProcessInfo.processInfo.processIdentifier)")
            try? FileManager.default.removeItem(at: folder)
            try DurableFile.createFolder(folder)
            defer { if !keep { try? FileManager.default.removeItem(at: folder) } }

            let file = folder.appendingPathComponent("prefs.jsonl")
            let bytes = try PreferenceFileGenerator.write(pairs: pairs, to: file)
            let workspace = try Workspace.create(at: folder.appendingPathComponent("workspace"))

            let startCPU = Self.cpuSeconds()
            let start = DispatchTime.now()
            let checked = try CheckedImport.check(file, options: ImportOptions(kind: .prefs))
            let checkedAt = DispatchTime.now()
            let database = try workspace.openDatabase()
            let summary = try database.write(checked)
            let end = DispatchTime.now()
            let endCPU = Self.cpuSeconds()
            // Closing checkpoints the WAL into the database file: timed apart, after the commit.
            database.close()
            let closed = DispatchTime.now()

            guard summary.pairsAdded == pairs else {
                throw ValidationError("imported \(summary.pairsAdded) pairs, expected \(pairs)")
            }
            let seconds = Double(end.uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            var fields = [
                "\"benchmark\": \"import\"", "\"pairs\": \(pairs)",
                "\"file_mb\": \(String(format: "%.1f", Double(bytes) / 1e6))",
                "\"check_s\": \(String(format: "%.3f", Double(checkedAt.uptimeNanoseconds - start.uptimeNanoseconds) / 1e9))",
                "\"seconds\": \(String(format: "%.3f", seconds))",
                "\"cpu_s\": \(String(format: "%.3f", endCPU - startCPU))",
                "\"close_s\": \(String(format: "%.3f", Double(closed.uptimeNanoseconds - end.uptimeNanoseconds) / 1e9))",
                "\"pairs_per_s\": \(Int((Double(pairs) / seconds).rounded()))",
            ]
            if keep { fields.append("\"folder\": \"\(folder.path)\"") }
            print("{" + fields.joined(separator: ", ") + "}")
        }
    }

    /// User plus system CPU seconds this process has used.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

/// Writes a synthetic TRL preference file: distinct prompts of ~15 words, answers of ~25 words,
/// with quotes, newlines and non-ASCII text sprinkled in so that the JSON parser does real work.
enum PreferenceFileGenerator {
    static let words = [
        "the", "model", "answer", "question", "river", "seven", "blue", "count", "letters", "in", "word", "how",
        "many", "convert", "miles", "to", "kilometres", "please", "rewrite", "politely", "capital", "of", "table",
        "sum", "twelve", "and", "thirty", "café", "naïve", "東京", "is", "what", "why", "explain", "briefly",
        "\\\"quoted\\\"", "line\\nbreak", "result", "equals", "correct", "wrong", "maybe", "certainly", "refuse",
    ]

    /// Writes `pairs` lines to `url`; returns the file's size in bytes.
    static func write(pairs: Int, to url: URL) throws -> Int {
        var generator = SplitMix64(seed: 0x7a11)
        let file = try AtomicFile(url: url)
        var total = 0
        for index in 0..<pairs {
            let prompt = "Q\(index): " + sentence(15, &generator) + "?"
            let chosen = sentence(25, &generator) + "."
            let rejected = sentence(25, &generator) + "!"
            let line = "{\"prompt\": \"\(prompt)\", \"chosen\": \"\(chosen)\", \"rejected\": \"\(rejected)\"}\n"
            try file.write(line)
            total += line.utf8.count
        }
        try file.commit()
        return total
    }

    private static func sentence(_ count: Int, _ generator: inout SplitMix64) -> String {
        var parts: [String] = []
        parts.reserveCapacity(count)
        for _ in 0..<count { parts.append(words[Int(generator.next() % UInt64(words.count))]) }
        return parts.joined(separator: " ")
    }
}
