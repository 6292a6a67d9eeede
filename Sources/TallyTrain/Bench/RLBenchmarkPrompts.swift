import Foundation
import TallyEngine
import TallyIO
import TallyStore
import TallyWorld

/// The prompts `tally bench rl` samples from, made in-process from the task world's train split and rendered
/// with the chat template as `tally train ppo|grpo|rloo` renders a workspace's prompts. Each iteration draws its
/// prompts from this pool as the trainer does; the TRL peer gets the same pool (``export(to:models:settings:)``).
///
/// ```swift
/// let prompts = try RLBenchmarkPrompts.generate(for: [base], settings: RLBenchmarkSettings())
/// try prompts.export(to: folder, models: [base], settings: settings)   // prompts.jsonl, models, bench-rl.json
/// ```
public struct RLBenchmarkPrompts: Sendable {
    public var prompts: [RLPrompt]

    /// The prompt file ``export(to:models:settings:)`` writes.
    public static let fileName = "prompts.jsonl"
    /// The settings file ``export(to:models:settings:)`` writes.
    public static let settingsFileName = "bench-rl.json"
    /// How many prompts the pool holds: four PPO iterations' worth.
    public static let poolSize = 256

    /// ``poolSize`` train-split world prompts drawn from `settings.seed`, each short enough that it and
    /// `settings.newTokens` fit the smallest context of `models`.
    public static func generate(for models: [TrainerBenchmarkModel], settings: RLBenchmarkSettings) throws
        -> RLBenchmarkPrompts
    {
        guard let first = models.first else { throw TrainingError("no model to benchmark") }
        var context = Int.max
        for model in models { context = min(context, try model.checkpoint.modelConfig().contextLength) }
        let room = context - settings.newTokens
        let renderer = try ExampleRenderer(tokenizer: first.checkpoint.tokenizer, contextLength: context)
        let world = World.standard
        var prompts: [RLPrompt] = []
        for prompt in world.prompts(split: .train, count: 2 * poolSize, seed: settings.seed) {
            let content = PromptContent.text(prompt.text)
            let tokens = renderer.chat.encodePrompt(ModelPromptRendering.chatMessages(content)).map(Int32.init)
            guard tokens.count <= room else { continue }
            prompts.append(RLPrompt(id: Int64(prompts.count), content: content, tokens: tokens, world: prompt))
            if prompts.count == poolSize { break }
        }
        guard prompts.count >= BenchmarkedRL.allCases.map({ $0.settings(newTokens: 1).promptsPerIteration }).max()!
        else {
            throw TrainingError(
                "only \(prompts.count) world prompts leave room for \(settings.newTokens) new tokens in a context "
                    + "of \(context); lower --new-tokens")
        }
        return RLBenchmarkPrompts(prompts: prompts)
    }

    public init(prompts: [RLPrompt]) {
        self.prompts = prompts
    }

    /// Writes what the TRL peer (`scripts/bench_peer_trl_rl.py`) needs into `folder`: `prompts.jsonl` (one
    /// conversational prompt a line, `{"prompt": [user turn]}`), each policy in Hugging Face's layout in
    /// `folder/<name>/`, its reward model (the same fresh scalar head the benchmark scores with) in
    /// `folder/<name>-rm/`, and `bench-rl.json` with the settings and each configuration's sizes.
    public func export(to folder: URL, models: [TrainerBenchmarkModel], settings: RLBenchmarkSettings) throws {
        try DurableFile.createFolder(folder)
        try TrainerBenchmarkData.writeLines(
            prompts.map { ["prompt": TrainerBenchmarkData.turns($0.content)] },
            to: folder.appendingPathComponent(Self.fileName))
        for model in models {
            let checkpoint = model.checkpoint
            let policy = try Checkpoint(model: try checkpoint.makeModel(), tokenizer: checkpoint.tokenizer)
            try policy.save(to: folder.appendingPathComponent(model.name, isDirectory: true))
            let reward = try Checkpoint(
                model: try RLBenchmark.rewardModel(checkpoint, seed: settings.seed), tokenizer: checkpoint.tokenizer)
            try reward.save(to: folder.appendingPathComponent(model.name + "-rm", isDirectory: true))
        }
        var configs: [String: Any] = [:]
        for config in BenchmarkedRL.allCases {
            let rl = config.settings(newTokens: settings.newTokens)
            configs[config.rawValue] = [
                "prompts": rl.promptsPerIteration, "group_size": rl.groupSize, "ppo_epochs": rl.ppoEpochs,
                "temperature": rl.temperature, "beta": rl.beta, "kl_coef": rl.klCoef,
            ]
        }
        let object: [String: Any] = [
            "iterations": settings.iterations, "warmup_iterations": settings.warmupIterations,
            "new_tokens": settings.newTokens, "micro_batch": settings.microBatchSize, "seed": settings.seed,
            "learning_rate": Double(settings.learningRate), "models": models.map(\.name), "configs": configs,
            "mean_prompt_tokens": Double(prompts.reduce(0) { $0 + $1.tokens.count }) / Double(max(1, prompts.count)),
        ]
        try AtomicFile.write(
            try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]),
            to: folder.appendingPathComponent(Self.settingsFileName))
    }
}
