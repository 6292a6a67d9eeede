import ArgumentParser
import Foundation
import TallyIO
import TallyStore

/// `tally export sft|prefs|rankings|prompts OUT`.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export labels as JSONL in TRL's dataset formats.",
        discussion: """
            Prompts are strings when every exported prompt is a single text, else message lists \
            (TRL's conversational format), so that every line of a file has the same shape.
            """,
        subcommands: [ExportSFT.self, ExportPrefs.self, ExportRankings.self, ExportPrompts.self])
}

/// Options every export takes.
struct ExportOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The JSONL file to write (replaced atomically).", valueName: "out"))
    var output: String

    @Option(name: .long, help: "Only prompts of this split (train, eval or test).")
    var split: String?

    @OptionGroup var workspace: WorkspaceOption

    func filter() throws -> ExportFilter {
        guard let split else { return ExportFilter() }
        guard let value = Split(rawValue: split) else {
            throw ValidationError("--split must be train, eval or test, not \(split)")
        }
        return ExportFilter(split: value)
    }

    func run(_ noun: String, _ body: (TallyDatabase, URL, ExportFilter) throws -> Int) throws {
        try reportingErrors {
            let filter = try filter()
            let (_, database) = try workspace.open()
            defer { database.close() }
            let count = try body(database, URL(fileURLWithPath: output), filter)
            print("Wrote \(count) \(noun) to \(TerminalSanitizer.sanitize(output))")
        }
    }
}

struct ExportSFT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sft", abstract: "Export demonstrations for supervised fine-tuning.")

    @Option(name: .long, help: "prompt-completion ({\"prompt\", \"completion\"}) or messages ({\"messages\"}).")
    var form: String = SFTExportForm.promptCompletion.rawValue

    @OptionGroup var options: ExportOptions

    func run() throws {
        guard let form = SFTExportForm(rawValue: form) else {
            throw ValidationError("--form must be prompt-completion or messages, not \(form)")
        }
        try options.run("demonstrations") { try $0.exportSFT(to: $1, form: form, filter: $2) }
    }
}

struct ExportPrefs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prefs",
        abstract: "Export preference pairs {\"prompt\", \"chosen\", \"rejected\"} for reward models and DPO.",
        discussion: """
            Every ranking of K responses gives its C(K,2) ordered pairs, tied pairs dropped; every \
            comparison won by A or B gives one pair (ties and "both bad" give none).
            """)

    @Flag(name: .long, help: "Per ranking, only pair the best tier with each lower response.")
    var bestVsRest = false

    @Flag(name: .long, help: "Leave out rankings marked \"none acceptable\".")
    var excludeNoneAcceptable = false

    @OptionGroup var options: ExportOptions

    func run() throws {
        try options.run("preference pairs") { database, url, filter in
            try database.exportPreferences(
                to: url,
                options: PreferenceExportOptions(
                    bestVersusRest: bestVsRest, excludeNoneAcceptable: excludeNoneAcceptable, filter: filter))
        }
    }
}

struct ExportRankings: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rankings",
        abstract: "Export rankings with their tiers: {\"prompt\", \"responses\", \"tiers\", \"none_acceptable\", …}.")

    @OptionGroup var options: ExportOptions

    func run() throws {
        try options.run("rankings") { try $0.exportRankings(to: $1, filter: $2) }
    }
}

struct ExportPrompts: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prompts", abstract: "Export prompts as {\"prompt\", \"split\"} lines.")

    @OptionGroup var options: ExportOptions

    func run() throws {
        try options.run("prompts") { try $0.exportPrompts(to: $1, filter: $2) }
    }
}
