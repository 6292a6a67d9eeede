import Foundation
import TallyEngine
import TallyIO
import TallyStore

/// The trainers `tally bench train` measures.
public enum BenchmarkedTrainer: String, CaseIterable, Codable, Sendable {
    /// ``SFTTrainer``: next-token loss on the demonstration.
    case sft
    /// ``RewardModelTrainer``: Bradley–Terry on preference pairs.
    case rm
    /// ``DPOTrainer``: the sigmoid loss on the same pairs, the reference a frozen copy (its forward each step).
    case dpo
}

/// A model the trainer benchmark fine-tunes: its name in the JSON line and the checkpoint it starts from.
public struct TrainerBenchmarkModel: Sendable {
    /// `base` or `small`.
    public var name: String
    public var checkpoint: Checkpoint

    public init(name: String, checkpoint: Checkpoint) {
        self.name = name
        self.checkpoint = checkpoint
    }

    /// The bundled base model (`datasets/base-model`: GPT-2 4×128, vocabulary 2048, context 128).
    public static func base(from folder: URL) throws -> TrainerBenchmarkModel {
        TrainerBenchmarkModel(name: "base", checkpoint: try Checkpoint.loadHuggingFace(from: folder))
    }

    /// BENCH.md's `small` shape (GPT-2 6×384, context 256) with `base`'s vocabulary, tokenizer and special token
    /// ids, randomly initialised from `seed`.
    public static func small(like base: TrainerBenchmarkModel, seed: UInt64) throws -> TrainerBenchmarkModel {
        var config = try base.checkpoint.modelConfig()
        config.nPositions = 256
        config.nEmbd = 384
        config.nLayer = 6
        config.nHead = 6
        config.nInner = nil
        let model = try TransformerModel(config: config, seed: seed)
        return TrainerBenchmarkModel(
            name: "small", checkpoint: try Checkpoint(model: model, tokenizer: base.checkpoint.tokenizer))
    }
}

/// What one benchmark run does: steps, batch, seed.
public struct TrainerBenchmarkSettings: Codable, Equatable, Sendable {
    /// Timed optimizer steps.
    public var steps: Int
    /// Untimed optimizer steps before them (first touches, buffer growth, caches).
    public var warmupSteps: Int
    /// Examples per optimizer step (a pair is one example), in one forward/backward pass.
    public var batchSize: Int
    /// Seeds the data, the small model's weights and the reward head.
    public var seed: UInt64
    /// AdamW's learning rate (constant; it does not change the speed).
    public var learningRate: Float

    public init(steps: Int = 40, warmupSteps: Int = 3, batchSize: Int = 8, seed: UInt64 = 1, learningRate: Float = 1e-5)
    {
        self.steps = steps
        self.warmupSteps = warmupSteps
        self.batchSize = batchSize
        self.seed = seed
        self.learningRate = learningRate
    }

    /// Examples the run trains on: one fresh batch per step, warm-up included, in order.
    public var exampleCount: Int { (steps + warmupSteps) * batchSize }
}

/// The figures `tally bench train` prints for one trainer and model (one JSON line, snake_case keys).
///
/// A preference pair counts as one sequence in `sequences_per_s` (BENCH.md's rule, and TRL's: its batch of 8 is
/// 8 pairs); `tokens_per_s` and `mean_tokens` count the tokens of every sequence the model reads (both responses
/// of a pair, each with its prompt), padding excluded.
public struct TrainerBenchmarkResult: Codable, Equatable, Sendable {
    public var bench = "train"
    /// `tally` here; the peer script prints `trl`.
    public var implementation = "tally"
    public var trainer: String
    public var model: String
    /// Examples (demonstrations, or pairs) per second over the timed steps.
    public var sequencesPerS: Double
    /// Tokens read per second over the timed steps.
    public var tokensPerS: Double
    public var steps: Int
    public var batch: Int
    /// Mean tokens of a sequence the model reads (prompt + response + `<|im_end|>`).
    public var meanTokens: Double
    /// The model's parameters (with the reward head).
    public var params: Int
    /// Seconds the timed steps took.
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case bench, implementation = "impl", trainer, model
        case sequencesPerS = "sequences_per_s", tokensPerS = "tokens_per_s"
        case steps, batch
        case meanTokens = "mean_tokens"
        case params, seconds
    }
}

/// Measures the fine-tuning trainers as `tally train` runs them: full fine-tuning, batch 8 in one micro-batch,
/// each step the trainer's ``SessionTrainer/accumulate(examples:normalizer:)`` (forward and backward), gradient
/// clipping to norm 1 and an AdamW step, as ``TrainingSession`` does — without the workspace, checkpoints and
/// metrics rows, which a run writes only every `--save-every` steps.
///
/// ```swift
/// let base = try TrainerBenchmarkModel.base(from: URL(fileURLWithPath: "datasets/base-model"))
/// let settings = TrainerBenchmarkSettings(steps: 40)
/// let data = try TrainerBenchmark.data(for: [base], settings: settings)
/// let result = try TrainerBenchmark.run(.sft, model: base, data: data, settings: settings)
/// print(result.sequencesPerS)
/// ```
public enum TrainerBenchmark {
    /// The examples for `settings`, short enough for the smallest context of `models`.
    public static func data(for models: [TrainerBenchmarkModel], settings: TrainerBenchmarkSettings) throws
        -> TrainerBenchmarkData
    {
        guard let first = models.first else { throw TrainingError("no model to benchmark") }
        var context = Int.max
        for model in models { context = min(context, try model.checkpoint.modelConfig().contextLength) }
        let renderer = try ExampleRenderer(tokenizer: first.checkpoint.tokenizer, contextLength: context)
        let data = TrainerBenchmarkData.generate(count: settings.exampleCount, seed: settings.seed, renderer: renderer)
        guard data.demonstrations.count == settings.exampleCount, data.pairs.count == settings.exampleCount else {
            throw TrainingError(
                "the task world gave only \(min(data.demonstrations.count, data.pairs.count)) of the "
                    + "\(settings.exampleCount) examples the benchmark needs; use fewer --steps")
        }
        return data
    }

    /// Writes what the TRL peer (`scripts/bench_peer_trl.py`) needs into `folder`: `sft.jsonl` and `rm.jsonl`
    /// (``TrainerBenchmarkData/writeTRL(to:)``), each model in Hugging Face's layout in `folder/<name>/` (weights,
    /// `config.json`, `tokenizer.json`, `tokenizer_config.json` with the chat template), and `bench.json` with the
    /// settings, so that the peer runs the same steps on the same batches.
    public static func export(
        to folder: URL, models: [TrainerBenchmarkModel], data: TrainerBenchmarkData, settings: TrainerBenchmarkSettings
    ) throws {
        try data.writeTRL(to: folder)
        for model in models {
            let weights = try Checkpoint(model: try model.checkpoint.makeModel(), tokenizer: model.checkpoint.tokenizer)
            try weights.save(to: folder.appendingPathComponent(model.name, isDirectory: true))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let object: [String: Any] = [
            "steps": settings.steps, "warmup_steps": settings.warmupSteps, "batch": settings.batchSize,
            "seed": settings.seed, "learning_rate": Double(settings.learningRate), "models": models.map(\.name),
        ]
        let json = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(json, to: folder.appendingPathComponent("bench.json"))
    }

    /// Fine-tunes `model` with `trainer` on `data`: `settings.warmupSteps` untimed steps, then `settings.steps`
    /// timed ones, batch after batch in the data's order. With `profile`, reports through `progress` how the timed
    /// steps' time splits between the trainer (batching, forward and backward), clipping and the AdamW update,
    /// and over the engine's kinds of kernels (``EngineProfile``).
    public static func run(
        _ trainer: BenchmarkedTrainer, model: TrainerBenchmarkModel, data: TrainerBenchmarkData,
        settings: TrainerBenchmarkSettings, profile: Bool = false, progress: (String) -> Void = { _ in }
    ) throws -> TrainerBenchmarkResult {
        guard settings.steps > 0, settings.warmupSteps >= 0, settings.batchSize > 0 else {
            throw TrainingError("the benchmark needs at least one step and a positive batch")
        }
        let session: any SessionTrainer
        let checkpoint = model.checkpoint
        // Rows per forward pass, and the longest row: the activation arena is sized for them before the warm-up,
        // as it is after the first steps of a long run.
        // Each example's rows as the engine lays them out (an SFT input drops the last token; a pair is two rows).
        let rowLengths: [[Int]]
        switch trainer {
        case .sft:
            let sft = try SFTTrainer(
                model: try checkpoint.makeModel(), tokenizer: checkpoint.tokenizer, train: data.demonstrations,
                eval: [])
            session = sft
            rowLengths = sft.train.map { [$0.tokens.count - 1] }
        case .rm:
            let rm = try RewardModelTrainer(
                model: try checkpoint.makeModel(freshScalarHeadSeed: settings.seed), tokenizer: checkpoint.tokenizer,
                settings: RewardModelSettings(), train: data.pairs, eval: [], demonstrations: [])
            session = rm
            rowLengths = rm.train.map { $0.sequences.map(\.count) }
        case .dpo:
            let renderer = try ExampleRenderer(
                tokenizer: checkpoint.tokenizer, contextLength: try checkpoint.modelConfig().contextLength)
            let pairs = data.pairs.map { pair in
                TokenizedPair(
                    chosen: renderer.render(pair.prompt, response: pair.responses[pair.tiers[0][0]]),
                    rejected: renderer.render(pair.prompt, response: pair.responses[pair.tiers[1][0]]))
            }
            let dpo = try DPOTrainer(
                model: try checkpoint.makeModel(), tokenizer: checkpoint.tokenizer,
                reference: .frozen(try checkpoint.makeModel()), settings: DPOSettings(), train: pairs, eval: [])
            session = dpo
            rowLengths = pairs.map { [$0.chosen.tokens.count - 1, $0.rejected.tokens.count - 1] }
        }
        guard session.trainExampleCount > 0 else { throw TrainingError("no \(trainer.rawValue) examples") }
        let rowsPerExample = rowLengths[0].count
        let longest = rowLengths.joined().max() ?? 1
        session.model.reserve(batchSize: rowsPerExample * settings.batchSize, length: longest)
        let optimizer = AdamW(model: session.model, settings: AdamWSettings(weightDecay: 0))

        var cursor = 0
        var phases = [Double](repeating: 0, count: 3)  // trainer, clipping, AdamW
        var positions = (real: 0, padded: 0)
        func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
        func step() throws -> (loss: Double, sums: MetricSums) {
            let indices = (0..<settings.batchSize).map { (cursor + $0) % session.trainExampleCount }
            cursor += settings.batchSize
            let rows = indices.flatMap { rowLengths[$0] }
            positions.real += rows.reduce(0, +)
            positions.padded += rows.count * (rows.max() ?? 0)
            let normalizer = indices.reduce(0.0) { $0 + session.normalizerWeight(of: $1) }
            let started = now()
            session.model.zeroGradients()
            let sums = try session.accumulate(examples: indices, normalizer: max(normalizer, 1e-12))
            let accumulated = now()
            _ = optimizer.clipGradients(maxNorm: 1)
            let clipped = now()
            optimizer.step(learningRate: settings.learningRate)
            let stepped = now()
            phases[0] += Double(accumulated - started) / 1e9
            phases[1] += Double(clipped - accumulated) / 1e9
            phases[2] += Double(stepped - clipped) / 1e9
            let loss = sums.means["loss"] ?? .nan
            guard loss.isFinite else {
                throw TrainingError("the \(trainer.rawValue) loss became \(loss) at step \(optimizer.stepCount)")
            }
            return (loss, sums)
        }

        for _ in 0..<settings.warmupSteps { _ = try step() }
        phases = [0, 0, 0]
        positions = (0, 0)
        EngineProfile.reset()
        EngineProfile.enabled = profile
        defer { EngineProfile.enabled = false }
        var tokens = 0
        var modelSequences = 0
        var loss = 0.0
        let label = "\(trainer.rawValue)/\(model.name)"
        let start = now()
        for index in 0..<settings.steps {
            let result = try step()
            tokens += result.sums.tokens
            modelSequences += result.sums.sequences
            loss = result.loss
            if (index + 1) % max(1, settings.steps / 4) == 0 {
                let elapsed = Double(now() - start) / 1e9
                progress(
                    "\(label): step \(index + 1)/\(settings.steps), loss \(String(format: "%.3f", loss)), "
                        + "\(String(format: "%.1f", Double((index + 1) * settings.batchSize) / elapsed)) sequences/s")
            }
        }
        let seconds = Double(now() - start) / 1e9
        EngineProfile.enabled = false
        if profile {
            progress(profileLine(label, seconds: seconds, phases: phases))
            let padding = 1 - Double(positions.real) / Double(max(1, positions.padded))
            progress(
                "\(label): \(positions.real) positions computed, packed without padding (padding each batch to "
                    + "its longest row would have computed \(positions.padded), \(String(format: "%.1f%%", 100 * padding)) "
                    + "of them padding)")
        }
        let examples = settings.steps * settings.batchSize
        return TrainerBenchmarkResult(
            trainer: trainer.rawValue, model: model.name, sequencesPerS: Double(examples) / seconds,
            tokensPerS: Double(tokens) / seconds, steps: settings.steps, batch: settings.batchSize,
            meanTokens: Double(tokens) / Double(max(1, modelSequences)), params: session.model.parameterCount,
            seconds: seconds)
    }

    /// "sft/base: 1.234 s: trainer 80.1% (linear 50.2%, attention 10.0%, …), clipping 2.0%, AdamW 17.9%".
    static func profileLine(_ label: String, seconds: Double, phases: [Double]) -> String {
        func percent(_ part: Double) -> String { String(format: "%.1f%%", 100 * part / seconds) }
        let kernels = EngineProfile.seconds.filter { $0.part != .optimizer && $0.seconds > 0 }
        let inKernels = kernels.reduce(0) { $0 + $1.seconds }
        let split = kernels.sorted { $0.seconds > $1.seconds }.map { "\($0.part) \(percent($0.seconds))" }
        return "\(label): \(String(format: "%.3f", seconds)) s timed: forward+backward \(percent(phases[0])) ("
            + (split + ["outside kernels \(percent(phases[0] - inKernels))"]).joined(separator: ", ")
            + "), clipping \(percent(phases[1])), AdamW \(percent(phases[2])), "
            + "loop \(percent(seconds - phases.reduce(0, +)))"
    }
}
