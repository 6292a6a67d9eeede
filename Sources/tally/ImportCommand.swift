import ArgumentParser
import Foundation
import TallyIO
import TallyStore

/// `tally import prompts|prefs|responses FILE`.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import JSONL files into the workspace.",
        discussion: """
            The whole file is checked before the database is opened: a bad line fails the import with \
            FILE:LINE and what is wrong, and the database is left untouched (unless --skip-bad). Then it is \
            written in one transaction, each block of lines while the next is parsed. Duplicate prompts \
            (same text up to whitespace) are merged, not duplicated.
            """,
        subcommands: [ImportPrompts.self, ImportPrefs.self, ImportResponses.self])
}

/// Options every import takes.
struct ImportFileOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The JSONL file to import.", valueName: "file"))
    var file: String

    @Flag(name: .long, help: "Import the good lines and list the bad ones instead of failing.")
    var skipBad = false

    @Option(name: .long, help: "The split for prompts whose line names none (train, eval or test).")
    var split: String = "train"

    @OptionGroup var workspace: WorkspaceOption

    func run(kind: ImportKind, format: PreferenceFormat = .auto) throws {
        try reportingErrors {
            guard let defaultSplit = Split(rawValue: split) else {
                throw ValidationError("--split must be train, eval or test, not \(split)")
            }
            let options = ImportOptions(
                kind: kind, preferenceFormat: format, skipBadLines: skipBad, defaultSplit: defaultSplit)
            // Find the workspace first (a clear error), but open the database only once the file is valid.
            let workspace = try workspace.locate()
            let checking = ProgressLine("Checking \(file)", total: 0, quantity: .bytes)
            defer { checking.finish() }
            let checked = try CheckedImport.check(URL(fileURLWithPath: file), displayName: file, options: options) {
                checking.total = Int($1)
                checking.update(Int($0))
            }
            checking.finish()
            let database = try workspace.openDatabase()
            defer { database.close() }
            let writing = ProgressLine("Writing \(file)", total: 0, quantity: .bytes)
            defer { writing.finish() }
            let summary = try database.write(checked) {
                writing.total = Int($1)
                writing.update(Int($0))
            }
            writing.finish()
            print(TerminalSanitizer.sanitize(summary.text))
        }
    }
}

struct ImportPrompts: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prompts",
        abstract:
            "Import prompts: one per line as plain text, {\"prompt\": …} or {\"messages\": [{\"role\", \"content\"}…]}.",
        discussion: "Each new prompt is queued for demonstrations. A line may name its \"split\".")

    @OptionGroup var options: ImportFileOptions

    func run() throws { try options.run(kind: .prompts) }
}

struct ImportPrefs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prefs",
        abstract: "Import preference pairs (TRL or Anthropic HH-RLHF format).",
        discussion: """
            TRL: {"prompt", "chosen", "rejected"} as strings or message lists, or {"chosen", "rejected"} \
            with an implicit prompt (their shared beginning). HH-RLHF: {"chosen", "rejected"} transcripts \
            of "\\n\\nHuman: …\\n\\nAssistant: …" turns; the shared turns become the prompt. When the two \
            conversations part ways before their last answer, each response keeps all its remaining turns \
            (the summary says how many pairs did), and `tally export prefs` writes them turn for turn. The \
            format is detected per line unless --format is given. Decompress .gz files first \
            (gunzip -k test.jsonl.gz).
            """)

    @Option(name: .long, help: "auto, trl or hh.")
    var format: String = "auto"

    @OptionGroup var options: ImportFileOptions

    func run() throws {
        guard let chosen = PreferenceFormat(rawValue: format) else {
            throw ValidationError("--format must be auto, trl or hh, not \(format)")
        }
        try options.run(kind: .prefs, format: chosen)
    }
}

struct ImportResponses: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "responses",
        abstract: "Import unlabeled candidates {\"prompt\": …, \"responses\": [2 to 9 strings]} for ranking.")

    @OptionGroup var options: ImportFileOptions

    func run() throws { try options.run(kind: .responses) }
}
