import ArgumentParser
import TallyIO
import TallyWorld

/// `tally world responses`: prompts with K candidate responses, for `tally import responses` (the ranking queue).
struct WorldResponsesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "responses",
        abstract: "Write prompts with K candidate responses each: {\"prompt\", \"responses\", \"family\", \"split\"}.",
        discussion: """
            The candidates mix what a partly trained model writes: right answers, wrong ones, rambling, \
            running on into a new turn, repeating, rude, refusing. Import them with \
            `tally import responses FILE` to fill the ranking queue without a model. Example:
              tally world responses --count 200 --min-k 4 --max-k 9 --seed 1 --out candidates.jsonl
            """
    )

    @Option(help: "Which split: train, eval or test.")
    var split: PromptSplit = .train

    @Option(help: "How many prompts.")
    var count: Int = 100

    @Option(help: "The fewest candidates per prompt (2 to 9).")
    var minK: Int = 4

    @Option(help: "The most candidates per prompt (2 to 9).")
    var maxK: Int = 9

    @Option(help: "The seed that fixes prompts and candidates.")
    var seed: UInt64 = 1

    @Option(help: "The output file (default: standard output).")
    var out: String?

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be at least 1 (got \(count))") }
        guard (2...9).contains(minK), (2...9).contains(maxK), minK <= maxK else {
            throw ValidationError("--min-k and --max-k must lie in 2...9 with min ≤ max (got \(minK) and \(maxK))")
        }
    }

    func run() throws {
        let world = World()
        let sampler = CandidateSampler(world: world)
        var rng = TallyWorld.SplitMix64(seed: seed, purpose: "world responses")
        var lines: [String] = []
        for prompt in world.prompts(split: split, count: count, seed: seed) {
            let responses = sampler.candidates(for: prompt, count: rng.int(in: minK...maxK), using: &rng)
            let list = "[" + responses.map(JSONString.quoted).joined(separator: ",") + "]"
            lines.append(
                "{\"prompt\":\(JSONString.quoted(prompt.text)),\"responses\":\(list),"
                    + "\"family\":\(JSONString.quoted(prompt.family)),\"split\":\"\(split.rawValue)\"}")
        }
        try WorldOutput.write(lines, to: out)
        if let out, out != "-" { TerminalText.printError("wrote \(lines.count) prompts with candidates to \(out)") }
    }
}
