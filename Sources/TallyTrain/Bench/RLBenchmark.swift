import Foundation
import TallyEngine
import TallyStore

/// The RL configurations `tally bench rl` measures.
public enum BenchmarkedRL: String, CaseIterable, Codable, Sendable {
    /// Issue 12's iteration: PPO with a value model, 64 prompts × 64 new tokens, 4 PPO epochs of one minibatch.
    case ppo
    /// BENCH.md's TRL configuration: GRPO, 16 prompts × a group of 4, 64 new tokens, one update.
    case grpo
    /// The same with RLOO.
    case rloo

    /// The trainer's settings for this configuration: ``RLSettings/defaults(for:)`` with the benchmark's sizes
    /// and no validation pass.
    public func settings(newTokens: Int) -> RLSettings {
        var settings = RLSettings.defaults(for: algorithm)
        switch self {
        case .ppo:
            settings.promptsPerIteration = 64
            settings.groupSize = 1
            settings.ppoEpochs = 4
        case .grpo, .rloo:
            settings.promptsPerIteration = 16
            settings.groupSize = 4
            settings.ppoEpochs = 1
        }
        settings.miniBatches = 1
        settings.maxNewTokens = newTokens
        settings.evalPrompts = 0
        return settings
    }

    public var algorithm: RLAlgorithm {
        switch self {
        case .ppo: .ppo
        case .grpo: .grpo
        case .rloo: .rloo
        }
    }
}

/// What one `tally bench rl` run does.
public struct RLBenchmarkSettings: Codable, Equatable, Sendable {
    /// Timed iterations per configuration and model.
    public var iterations: Int
    /// Untimed iterations before them (buffer growth, first touches of optimizer state).
    public var warmupIterations: Int
    /// Tokens each response runs to: the sampler's end-of-turn stops are off, so every response is this long
    /// (the TRL peer forces the same with `min_new_tokens`).
    public var newTokens: Int
    /// Rollouts per forward/backward pass, as `tally train ppo|grpo|rloo` runs them (its default micro-batch).
    public var microBatchSize: Int
    /// Seeds the prompts, the small model's weights, the reward and value heads, and the rollouts.
    public var seed: UInt64
    /// AdamW's learning rate (constant; it does not change the speed).
    public var learningRate: Float

    public init(
        iterations: Int = 5, warmupIterations: Int = 1, newTokens: Int = 64, microBatchSize: Int = 16,
        seed: UInt64 = 1, learningRate: Float = 1e-6
    ) {
        self.iterations = iterations
        self.warmupIterations = warmupIterations
        self.newTokens = newTokens
        self.microBatchSize = microBatchSize
        self.seed = seed
        self.learningRate = learningRate
    }
}

/// The figures `tally bench rl` prints for one configuration and model (one JSON line, snake_case keys). Seconds
/// are the median and the worst over the timed iterations.
public struct RLBenchmarkResult: Codable, Equatable, Sendable {
    public var bench = "rl"
    /// `tally` here; the peer script prints `trl`.
    public var implementation = "tally"
    /// `ppo`, `grpo` or `rloo`.
    public var config: String
    public var model: String
    public var prompts: Int
    public var groupSize: Int
    public var newTokens: Int
    public var ppoEpochs: Int
    /// Timed iterations.
    public var iterations: Int
    /// One whole iteration: rollouts (sampling, reference and value forwards, reward) and every update step.
    public var iterationSeconds: Double
    public var iterationSecondsWorst: Double
    /// The rollout phase as the trainer times it (`rollout/seconds`): sampling, reference and value forwards,
    /// reward model, advantages.
    public var rolloutSeconds: Double
    /// The update steps: forward, backward, clipping and AdamW, policy and value model.
    public var updateSeconds: Double
    /// Response tokens per second of sampling alone (the batched KV-cache sampler on the iteration's prompts).
    public var samplingTokensPerS: Double
    /// Response tokens per second of the whole rollout phase (the trainer's `rollout/tokens_per_s`).
    public var rolloutTokensPerS: Double
    /// The rollout phase split, measured on the same prompts after each timed iteration: sampling, the reference's
    /// (and PPO's value model's) forward, the reward model.
    public var samplingSeconds: Double
    public var referenceValueSeconds: Double
    public var rewardSeconds: Double
    /// Mean response length in tokens (the full `new_tokens` unless a response ran out of context).
    public var meanResponseTokens: Double
    /// The policy's parameters.
    public var params: Int

    enum CodingKeys: String, CodingKey {
        case bench, implementation = "impl", config, model, prompts
        case groupSize = "group_size", newTokens = "new_tokens", ppoEpochs = "ppo_epochs", iterations
        case iterationSeconds = "iteration_s", iterationSecondsWorst = "iteration_s_worst"
        case rolloutSeconds = "rollout_s", updateSeconds = "update_s"
        case samplingTokensPerS = "sampling_tokens_per_s", rolloutTokensPerS = "rollout_tokens_per_s"
        case samplingSeconds = "sampling_s", referenceValueSeconds = "reference_value_s", rewardSeconds = "reward_s"
        case meanResponseTokens = "mean_response_tokens", params
    }
}

/// Measures one RL iteration as `tally train ppo|grpo|rloo` runs it, without a workspace: ``RLTrainer`` on
/// task-world prompts (``RLBenchmarkPrompts``), the reference a frozen copy of the policy, the reward a reward
/// model with a fresh scalar head on the same checkpoint, PPO's value model another; each iteration's steps as
/// ``TrainingSession`` takes them (micro-batches of 16, clipping to norm 1, AdamW on the policy and the value
/// model), without checkpoints and metrics rows.
///
/// ```swift
/// let base = try TrainerBenchmarkModel.base(from: URL(fileURLWithPath: "datasets/base-model"))
/// let settings = RLBenchmarkSettings(iterations: 5)
/// let prompts = try RLBenchmarkPrompts.generate(for: [base], settings: settings)
/// let result = try RLBenchmark.run(.grpo, model: base, prompts: prompts, settings: settings)
/// print(result.iterationSeconds)
/// ```
public enum RLBenchmark {
    /// Runs `settings.warmupIterations` untimed iterations, then `settings.iterations` timed ones, each followed
    /// by an untimed pass that times the rollout's phases apart (sampling alone for `sampling_tokens_per_s`).
    /// `progress` gets a line per iteration; with `profile`, also how the timed iterations' time and sampling's
    /// split over the engine's kinds of kernels (``EngineProfile``).
    public static func run(
        _ config: BenchmarkedRL, model: TrainerBenchmarkModel, prompts: RLBenchmarkPrompts,
        settings: RLBenchmarkSettings, profile: Bool = false, progress: (String) -> Void = { _ in }
    ) throws -> RLBenchmarkResult {
        guard settings.iterations > 0, settings.warmupIterations >= 0, settings.microBatchSize > 0 else {
            throw TrainingError("the benchmark needs at least one iteration and a positive micro-batch")
        }
        let rl = config.settings(newTokens: settings.newTokens)
        let trainer = try makeTrainer(rl, model: model, prompts: prompts.prompts, seed: settings.seed)
        let longestPrompt = prompts.prompts.map(\.tokens.count).max() ?? 1
        let microBatch = min(settings.microBatchSize, rl.rolloutsPerIteration)
        // Activation arenas sized before the warm-up, as they are after the first iterations of a run: the policy
        // and value model for a micro-batch, the reference for its forward batch, the reward model for its batch
        // (its re-tokenised responses can run a little longer than the sampled tokens).
        let longest = longestPrompt + rl.maxNewTokens
        trainer.model.reserve(batchSize: max(microBatch, trainer.forwardBatch), length: longest)
        trainer.valueModel?.reserve(batchSize: max(microBatch, trainer.forwardBatch), length: longest)
        if case .frozen(let reference) = trainer.reference {
            reference.reserve(batchSize: trainer.forwardBatch, length: longest)
        }
        if let reward = trainer.scorer as? RewardModelRolloutScorer {
            reward.scorer.model.reserve(
                batchSize: reward.scorer.batchSize,
                length: min(longest + longest / 4, reward.scorer.model.config.contextLength))
        }
        let optimizer = AdamW(model: trainer.model, settings: AdamWSettings(weightDecay: 0))
        let valueOptimizer = trainer.valueModel.map { AdamW(model: $0, settings: AdamWSettings(weightDecay: 0)) }
        var random = EngineRandom(seed: settings.seed &+ 0x243F_6A88_85A3_08D3)

        func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
        /// One iteration as the session takes it; returns its seconds and the trainer's rollout seconds.
        func iteration() throws -> (seconds: Double, rollout: Double) {
            let started = now()
            var rollout = 0.0
            for step in 0..<trainer.stepsPerRound {
                let batch = rl.rolloutsPerIteration / rl.miniBatches
                guard let indices = try trainer.drawExamples(batch, random: &random) else {
                    throw TrainingError("the RL trainer drew no rollouts")
                }
                let normalizer = indices.reduce(0.0) { $0 + trainer.normalizerWeight(of: $1) }
                trainer.model.zeroGradients()
                trainer.valueModel?.zeroGradients()
                var sums = MetricSums()
                var first = 0
                while first < indices.count {
                    let micro = Array(indices[first..<min(first + microBatch, indices.count)])
                    sums.merge(try trainer.accumulate(examples: micro, normalizer: max(normalizer, 1e-12)))
                    first += micro.count
                }
                guard let loss = sums.means["loss"], loss.isFinite else {
                    throw TrainingError("the \(config.rawValue) loss is not finite at step \(step + 1)")
                }
                if step == 0 { rollout = sums.means["rollout/seconds"] ?? 0 }
                _ = optimizer.clipGradients(maxNorm: 1)
                optimizer.step(learningRate: settings.learningRate)
                if let valueOptimizer {
                    _ = valueOptimizer.clipGradients(maxNorm: 1)
                    valueOptimizer.step(learningRate: settings.learningRate)
                }
            }
            return (Double(now() - started) / 1e9, rollout)
        }

        let label = "\(config.rawValue)/\(model.name)"
        for index in 0..<settings.warmupIterations {
            let warm = try iteration()
            progress("\(label): warm-up \(index + 1)/\(settings.warmupIterations): \(format(warm.seconds)) s")
        }
        var seconds: [Double] = []
        var rollouts: [Double] = []
        var phases: [Phases] = []
        var responseTokens = 0
        var responses = 0
        var iterationKernels = KernelSeconds()
        var samplingKernels = KernelSeconds()
        defer { EngineProfile.enabled = false }
        for index in 0..<settings.iterations {
            EngineProfile.reset()
            EngineProfile.enabled = profile
            let timed = try iteration()
            iterationKernels.add(EngineProfile.seconds)
            seconds.append(timed.seconds)
            rollouts.append(timed.rollout)
            responseTokens += trainer.rollouts.reduce(0) { $0 + $1.responseTokens.count }
            responses += trainer.rollouts.count
            let split = try rolloutPhases(trainer, random: &random, profile: profile, kernels: &samplingKernels)
            EngineProfile.enabled = false
            phases.append(split)
            progress(
                "\(label): iteration \(index + 1)/\(settings.iterations): \(format(timed.seconds)) s (rollout "
                    + "\(format(timed.rollout)) s; apart: sampling \(format(split.sampling)) s, reference"
                    + (trainer.valueModel == nil ? "" : " and value") + " \(format(split.referenceValue)) s, reward "
                    + "\(format(split.reward)) s)")
        }
        if profile {
            progress("\(label): timed iterations, \(iterationKernels.line(of: seconds.reduce(0, +)))")
            progress("\(label): sampling alone, \(samplingKernels.line(of: phases.reduce(0) { $0 + $1.sampling }))")
        }
        let meanLength = Double(responseTokens) / Double(max(1, responses))
        let generated = Double(rl.rolloutsPerIteration) * meanLength
        let sampling = median(phases.map(\.sampling))
        let rollout = median(rollouts)
        return RLBenchmarkResult(
            config: config.rawValue, model: model.name, prompts: rl.promptsPerIteration, groupSize: rl.groupSize,
            newTokens: rl.maxNewTokens, ppoEpochs: rl.ppoEpochs, iterations: settings.iterations,
            iterationSeconds: median(seconds), iterationSecondsWorst: seconds.max() ?? 0, rolloutSeconds: rollout,
            updateSeconds: median(zip(seconds, rollouts).map { $0 - $1 }),
            samplingTokensPerS: generated / sampling, rolloutTokensPerS: generated / rollout,
            samplingSeconds: sampling, referenceValueSeconds: median(phases.map(\.referenceValue)),
            rewardSeconds: median(phases.map(\.reward)), meanResponseTokens: meanLength,
            params: trainer.model.parameterCount)
    }

    /// The trainer of `settings` for `model`: the reference a frozen copy, the reward a fresh scalar head on the
    /// same checkpoint (bias 0), PPO's value model another fresh head; no gold or proxy judge, no eval prompts.
    static func makeTrainer(_ settings: RLSettings, model: TrainerBenchmarkModel, prompts: [RLPrompt], seed: UInt64)
        throws -> RLTrainer
    {
        let checkpoint = model.checkpoint
        let scorer = RewardModelRolloutScorer(
            name: "rm:bench",
            scorer: try RewardScorer(
                model: try rewardModel(checkpoint, seed: seed), tokenizer: checkpoint.tokenizer, bias: 0))
        let value = settings.algorithm == .ppo ? try checkpoint.makeModel(freshScalarHeadSeed: seed &+ 13) : nil
        let trainer = try RLTrainer(
            model: try checkpoint.makeModel(), tokenizer: checkpoint.tokenizer,
            reference: .frozen(try checkpoint.makeModel()), valueModel: value, settings: settings, scorer: scorer,
            gold: nil, proxy: nil, trainPrompts: prompts, evalPrompts: [])
        trainer.samplingStopTokens = []
        return trainer
    }

    /// The benchmark's reward model: `checkpoint` with a fresh scalar head (the same weights for the same seed, so
    /// that the exported copy the TRL peer scores with is this one).
    static func rewardModel(_ checkpoint: Checkpoint, seed: UInt64) throws -> TransformerModel {
        try checkpoint.makeModel(freshScalarHeadSeed: seed &+ 11)
    }

    struct Phases {
        var sampling: Double
        var referenceValue: Double
        var reward: Double
    }

    /// The rollout phase's pieces timed apart, on an iteration's worth of prompts drawn as the trainer draws them.
    static func rolloutPhases(
        _ trainer: RLTrainer, random: inout EngineRandom, profile: Bool, kernels: inout KernelSeconds
    ) throws -> Phases {
        let settings = trainer.settings
        let chosen = RLTrainer.shuffled(trainer.trainPrompts.count, random: &random).prefix(
            settings.promptsPerIteration)
        let prompts = chosen.map { trainer.trainPrompts[$0] }
        let sampling = SamplingSettings(
            maxNewTokens: settings.maxNewTokens, temperature: Float(settings.temperature), seed: random.next(),
            stopTokens: trainer.samplingStopTokens)
        var started = DispatchTime.now().uptimeNanoseconds
        func lap() -> Double {
            let time = DispatchTime.now().uptimeNanoseconds
            defer { started = time }
            return Double(time - started) / 1e9
        }
        EngineProfile.reset()
        EngineProfile.enabled = profile
        var items = try trainer.sample(prompts, count: settings.groupSize, settings: sampling)
        let sampled = lap()
        EngineProfile.enabled = false
        kernels.add(EngineProfile.seconds)
        try trainer.addReferenceAndValues(&items)
        let forwards = lap()
        try trainer.addScores(&items, prompts: prompts)
        return Phases(sampling: sampled, referenceValue: forwards, reward: lap())
    }

    /// Seconds per kind of kernel, summed over profiled spans.
    struct KernelSeconds {
        var seconds: [EngineProfile.Part: Double] = [:]

        mutating func add(_ spans: [(part: EngineProfile.Part, seconds: Double)]) {
            for span in spans { seconds[span.part, default: 0] += span.seconds }
        }

        /// "12.345 s: linear 60.1%, decodeAttention 20.0%, …, outside kernels 5.0%".
        func line(of total: Double) -> String {
            func percent(_ part: Double) -> String { String(format: "%.1f%%", 100 * part / max(total, 1e-12)) }
            let parts = seconds.filter { $0.value > 0 }.sorted { $0.value > $1.value }
            let inKernels = parts.reduce(0) { $0 + $1.value }
            return "\(format(total)) s: "
                + (parts.map { "\($0.key) \(percent($0.value))" } + ["outside kernels \(percent(total - inKernels))"])
                .joined(separator: ", ")
        }
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    static func format(_ seconds: Double) -> String { String(format: "%.3f", seconds) }
}
