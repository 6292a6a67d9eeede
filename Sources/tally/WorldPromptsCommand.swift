import ArgumentParser
import TallyWorld

/// `tally world prompts`: prompts of one split as JSON lines, for `tally import prompts`.
struct WorldPromptsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prompts",
        abstract: "Write prompts of one split as JSON lines: {\"prompt\", \"family\", \"split\"}.",
        discussion: """
            The same seed gives the same prompts. A prompt's split depends on its text alone, so \
            prompts drawn with any seeds never cross splits. Example:
              tally world prompts --split train --count 1000 --seed 1 --out prompts-train.jsonl
            """
    )

    @Option(help: "Which split: train, eval or test.")
    var split: PromptSplit = .train

    @Option(help: "How many distinct prompts.")
    var count: Int = 100

    @Option(help: "The seed that fixes which prompts are drawn.")
    var seed: UInt64 = 1

    @Option(help: "Only these families (comma-separated names; see `tally world families`).")
    var families: String?

    @Option(help: "The output file (default: standard output).")
    var out: String?

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be at least 1 (got \(count))") }
    }

    func run() throws {
        let world = TallyWorld.World()
        var names: [String]?
        if let families {
            let requested = families.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            if let unknown = requested.first(where: { world.family(named: $0) == nil }) {
                throw ValidationError(
                    "unknown family \"\(unknown)\"; the families are: "
                        + world.families.map(\.name).joined(separator: ", "))
            }
            names = requested
        }
        let prompts = world.prompts(split: split, count: count, seed: seed, families: names)
        let lines = prompts.map { WorldOutput.promptLine($0, split: split) }
        try WorldOutput.write(lines, to: out)
        if prompts.count < count {
            TerminalText.printError(
                "note: the chosen families hold only \(prompts.count) distinct \(split.rawValue) prompts; wrote those")
        }
        if let out, out != "-" { TerminalText.printError("wrote \(prompts.count) \(split.rawValue) prompts to \(out)") }
    }
}
