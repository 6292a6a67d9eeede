import Foundation
import TallyEngine
import TallyIO
import TallyStore
import TallyWorld

/// The examples `tally bench train` trains on, made in-process from the task world (short world prompts, about
/// 40 tokens a rendered sequence, like the demo workspace's exports): one demonstration per prompt for SFT and one
/// preference pair per prompt for the reward model. The same seed gives the same examples.
///
/// ```swift
/// let renderer = try ExampleRenderer(tokenizer: checkpoint.tokenizer, contextLength: 128)
/// let data = TrainerBenchmarkData.generate(count: 344, seed: 1, renderer: renderer)
/// try data.writeTRL(to: folder)   // sft.jsonl and rm.jsonl in TRL's conversational formats
/// ```
public struct TrainerBenchmarkData: Sendable {
    /// Prompt and demonstration, in the order the benchmark trains on them.
    public var demonstrations: [DemonstrationExample]
    /// Prompt with two responses, the oracle's better one first: tiers `[[0], [1]]`.
    public var pairs: [RankedExample]

    /// The SFT data file written by ``writeTRL(to:)``.
    public static let sftFileName = "sft.jsonl"
    /// The reward-model data file written by ``writeTRL(to:)``.
    public static let rewardFileName = "rm.jsonl"

    public init(demonstrations: [DemonstrationExample], pairs: [RankedExample]) {
        self.demonstrations = demonstrations
        self.pairs = pairs
    }

    /// `count` demonstrations and `count` pairs on train-split world prompts drawn from `seed`. The demonstrations
    /// are a simulated labeler's (flaws included, as in a real workspace); each pair is two candidate responses
    /// ordered by the oracle. Examples whose rendering (plus the newline transformers' chat template adds after the
    /// last `<|im_end|>`) would not fit `renderer`'s context are skipped and replaced by further prompts.
    public static func generate(count: Int, seed: UInt64, renderer: ExampleRenderer) -> TrainerBenchmarkData {
        let world = World.standard
        var labeler = SimulatedLabeler(seed: seed)
        let sampler = CandidateSampler(world: world)
        var random = SplitMix64(seed: seed, purpose: "bench/train/pairs")
        func fits(_ prompt: PromptContent, _ response: String) -> Bool {
            renderer.render(prompt, response: response).tokens.count + 1 <= renderer.contextLength
        }
        var demonstrations: [DemonstrationExample] = []
        var pairs: [RankedExample] = []
        var drawn = 0
        var round: UInt64 = 0
        // A few prompts may be skipped for length: draw in rounds until both lists are full.
        while demonstrations.count < count || pairs.count < count, round < 8 {
            let prompts = world.prompts(split: .train, count: 2 * count, seed: seed &+ round)
            round += 1
            for prompt in prompts {
                let content = PromptContent.text(prompt.text)
                let promptID = Int64(drawn)
                drawn += 1
                if demonstrations.count < count {
                    let completion = labeler.demonstrate(prompt).text
                    if fits(content, completion) {
                        demonstrations.append(
                            DemonstrationExample(
                                promptID: promptID, prompt: content, completion: completion, split: .train,
                                promptSource: "world", origin: "bench"))
                    }
                }
                if pairs.count < count {
                    let candidates = sampler.candidates(for: prompt, count: 2, using: &random)
                    let scores = candidates.map { Oracle.score(prompt, response: $0).total }
                    let ordered = scores[1] > scores[0] ? [candidates[1], candidates[0]] : candidates
                    if ordered.allSatisfy({ fits(content, $0) }) {
                        pairs.append(
                            RankedExample(
                                origin: .imported, sourceID: promptID, promptID: promptID, prompt: content,
                                split: .train, promptSource: "world", responses: ordered, tiers: [[0], [1]]))
                    }
                }
                if demonstrations.count >= count && pairs.count >= count { break }
            }
        }
        return TrainerBenchmarkData(demonstrations: demonstrations, pairs: pairs)
    }

    /// Writes the examples in TRL's conversational formats, so that a peer renders them with the checkpoint's
    /// chat template (`tokenizer_config.json`) as Tally does: `sft.jsonl` as prompt-completion
    /// (`{"prompt": [user turn], "completion": [assistant turn]}`) and `rm.jsonl` as explicit-prompt preferences
    /// (`{"prompt": [user turn], "chosen": [assistant turn], "rejected": [assistant turn]}`), in training order.
    public func writeTRL(to folder: URL) throws {
        try DurableFile.createFolder(folder)
        func assistant(_ text: String) -> [[String: String]] { [["role": "assistant", "content": text]] }
        try Self.writeLines(
            demonstrations.map { ["prompt": Self.turns($0.prompt), "completion": assistant($0.completion)] },
            to: folder.appendingPathComponent(Self.sftFileName))
        try Self.writeLines(
            pairs.map { pair in
                [
                    "prompt": Self.turns(pair.prompt), "chosen": assistant(pair.responses[pair.tiers[0][0]]),
                    "rejected": assistant(pair.responses[pair.tiers[1][0]]),
                ]
            }, to: folder.appendingPathComponent(Self.rewardFileName))
    }

    /// A prompt's turns as TRL's conversational format writes them: `[{"role", "content"}…]`.
    static func turns(_ prompt: PromptContent) -> [[String: String]] {
        prompt.asMessages.map { ["role": $0.role, "content": $0.content] }
    }

    /// `objects` as JSON lines (sorted keys) in `file`, written atomically.
    static func writeLines(_ objects: [[String: Any]], to file: URL) throws {
        var text = Data()
        for object in objects {
            text += try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            text += Data("\n".utf8)
        }
        try AtomicFile.write(text, to: file)
    }
}
