import Foundation
import TallyEngine
import TallyStore

/// Online RL on the shared training session: PPO, GRPO and RLOO. Each iteration is one round of the session:
/// its first step samples the rollouts (from the session's saved random numbers, so a resumed run samples the
/// same ones), scores them, takes the reference's log-probabilities (and PPO's values), and computes the
/// advantages; then every step is one minibatch of one PPO epoch. The backward gets each response token's
/// ∂L/∂log π (and PPO's value model each position's ∂L/∂V).
public final class RLTrainer: SessionTrainer {
    /// The `trainer_state.json` string holding the (adaptive) KL coefficient.
    public static let klCoefficientKey = "kl_coef"

    public let model: TransformerModel
    public let tokenizer: BPETokenizer
    public let settings: RLSettings
    public let reference: ReferenceModel
    /// PPO's value model (initialised from the reward model), trained beside the policy.
    public let valueModel: TransformerModel?
    public let valueParentID: Int64?
    /// What the run optimises, and the gold and proxy judges logged beside it when available.
    public let scorer: any RolloutScorer
    public let gold: (any RolloutScorer)?
    public let proxy: (any RolloutScorer)?
    public let trainPrompts: [RLPrompt]
    public let evalPrompts: [RLPrompt]
    /// PPO-ptx's demonstrations.
    public let ptxExamples: [TokenizedResponse]
    /// Rollouts per forward pass when scoring and taking reference log-probabilities.
    public var forwardBatch = 16
    /// The tokens that end a rollout; nil (the default) stops at the model's end-of-sequence and end-of-turn
    /// tokens. `tally bench rl` sets it empty, so that every response runs to `maxNewTokens` as its TRL peer's do.
    public var samplingStopTokens: Set<Int32>?
    /// The seed of the validation pass's samples (the same responses' prompts and draws every time).
    public var evalSeed: UInt64 = 7
    public private(set) var klCoefficient: Double
    /// The current iteration's rollouts.
    public private(set) var rollouts: [Rollout] = []
    /// The largest |ρ − 1| of the last ``accumulate(examples:normalizer:)`` (0 at an iteration's first minibatch).
    public private(set) var lastRatioDeviation = 0.0

    private var stepInRound = 0
    private var passes: [[Int]] = []
    private var pendingRoundMetrics: [String: Double] = [:]
    private var stepsDone: Int
    private var stepStart: Int?

    public var kind: TrainingKind { settings.algorithm.trainingKind }
    public var keyMetric: String? { "objective/scores" }
    public var trainExampleCount: Int { settings.rolloutsPerIteration }
    public var stepsPerRound: Int { settings.stepsPerIteration }
    public var companion: SessionCompanion? {
        valueModel.map {
            SessionCompanion(name: "value", model: $0, tokenizer: tokenizer, kind: .value, parentID: valueParentID)
        }
    }
    public var checkpointStrings: [String: String] { [Self.klCoefficientKey: String(klCoefficient)] }

    /// `klCoefficient` is the saved one when resuming (adaptive control moves it), else nil for the settings'
    /// start; `startStep` the step the run resumes at.
    public init(
        model: TransformerModel, tokenizer: BPETokenizer, reference: ReferenceModel, valueModel: TransformerModel?,
        valueParentID: Int64? = nil, settings: RLSettings, scorer: any RolloutScorer, gold: (any RolloutScorer)?,
        proxy: (any RolloutScorer)?, trainPrompts: [RLPrompt], evalPrompts: [RLPrompt],
        ptxExamples: [TokenizedResponse] = [], klCoefficient: Double? = nil, startStep: Int = 0
    ) throws {
        try settings.validate()
        if case .adaptersOff = reference, model.lora == nil {
            throw TrainingError("the reference 'adapters off' needs LoRA adapters on the policy")
        }
        guard (settings.algorithm == .ppo) == (valueModel != nil) else {
            throw TrainingError("PPO trains a value model; GRPO and RLOO have none")
        }
        if let valueModel, !valueModel.hasScalarHead {
            throw TrainingError("the value model needs a scalar head (start it from a reward model)")
        }
        guard trainPrompts.count >= settings.promptsPerIteration else {
            throw TrainingError(
                "an iteration takes \(settings.promptsPerIteration) prompts but the train split has "
                    + "\(trainPrompts.count) that fit; lower --prompts or add prompts")
        }
        if settings.ptxCoef > 0 && ptxExamples.isEmpty {
            throw TrainingError("--ptx-coef needs demonstrations to mix in; the workspace has none on train prompts")
        }
        self.model = model
        self.tokenizer = tokenizer
        self.reference = reference
        self.valueModel = valueModel
        self.valueParentID = valueParentID
        self.settings = settings
        self.scorer = scorer
        self.gold = gold
        self.proxy = proxy
        self.trainPrompts = trainPrompts
        self.evalPrompts = evalPrompts
        self.ptxExamples = ptxExamples
        self.klCoefficient = klCoefficient ?? settings.klCoef
        stepsDone = startStep
    }

    public func normalizerWeight(of index: Int) -> Double {
        settings.algorithm == .rloo ? 1 : Double(rollouts[index].responseTokens.count)
    }

    // MARK: Rounds

    public func drawExamples(_ count: Int, random: inout EngineRandom) throws -> [Int]? {
        if stepInRound == 0 {
            let started = DispatchTime.now()
            rollouts = try collectRollouts(random: &random)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            let generated = rollouts.reduce(0) { $0 + $1.responseTokens.count }
            pendingRoundMetrics["rollout/seconds"] = seconds
            pendingRoundMetrics["rollout/tokens_per_s"] = seconds > 0 ? Double(generated) / seconds : 0
            passes = (0..<settings.ppoEpochs).map { _ in Self.shuffled(rollouts.count, random: &random) }
        }
        let size = rollouts.count / settings.miniBatches
        let pass = stepInRound / settings.miniBatches
        let part = stepInRound % settings.miniBatches
        stepInRound = (stepInRound + 1) % stepsPerRound
        stepStart = nil
        return Array(passes[pass][part * size..<(part + 1) * size])
    }

    /// 0..<count in an order drawn from `random` (Fisher–Yates).
    static func shuffled(_ count: Int, random: inout EngineRandom) -> [Int] {
        var order = Array(0..<count)
        for i in stride(from: count - 1, to: 0, by: -1) {
            order.swapAt(i, Int(random.next() % UInt64(i + 1)))
        }
        return order
    }

    /// Samples an iteration's rollouts and prepares them for the update.
    func collectRollouts(random: inout EngineRandom) throws -> [Rollout] {
        // Prompts without replacement, then the draws, both from the saved random numbers.
        var chosen = Self.shuffled(trainPrompts.count, random: &random)
        chosen = Array(chosen.prefix(settings.promptsPerIteration))
        let sampling = SamplingSettings(
            maxNewTokens: settings.maxNewTokens, temperature: Float(settings.temperature), seed: random.next(),
            stopTokens: samplingStopTokens)
        var sampled = try sample(chosen.map { trainPrompts[$0] }, count: settings.groupSize, settings: sampling)
        for index in sampled.indices { sampled[index].prompt = chosen[sampled[index].prompt] }
        try addReferenceAndValues(&sampled)
        try addScores(&sampled, prompts: trainPrompts)
        var metrics = addAdvantages(&sampled)
        metrics["kl_coef"] = klCoefficient
        if let target = settings.klTarget, settings.algorithm != .grpo {
            var controller = AdaptiveKLController(
                coefficient: klCoefficient, target: target, horizon: settings.klHorizon)
            controller.update(kl: metrics["objective/kl"] ?? 0, rollouts: sampled.count)
            klCoefficient = controller.coefficient
        }
        pendingRoundMetrics.merge(metrics) { _, new in new }
        return sampled
    }

    /// `count` responses to each prompt, in one batched KV-cache pass; each rollout's `prompt` is its index in
    /// `prompts`.
    func sample(_ prompts: [RLPrompt], count: Int, settings sampling: SamplingSettings) throws -> [Rollout] {
        let sampler = try ResponseSampler(model: model, tokenizer: tokenizer)
        let responses = try sampler.sample(encoded: prompts.map(\.tokens), count: count, settings: sampling)
        var result: [Rollout] = []
        for (index, group) in responses.enumerated() {
            for response in group {
                result.append(
                    Rollout(
                        prompt: index, promptTokens: prompts[index].tokens, responseTokens: response.tokens,
                        text: response.text, ended: response.stopped, logProbs: response.logProbs))
            }
        }
        return result
    }

    /// The reference's log-probabilities of every response token and, for PPO, the value model's values.
    func addReferenceAndValues(_ items: inout [Rollout]) throws {
        let temperature = Float(settings.temperature)
        var start = 0
        while start < items.count {
            let range = start..<min(start + forwardBatch, items.count)
            let packed = try RolloutBatch(Array(items[range]))
            let referenceModel = try reference.forward(
                packed.batch, policy: model, temperature: temperature, outputs: [.languageModel, .targetsOnly])
            let logProbs = referenceModel.targetLogProbs
            for (row, index) in range.enumerated() {
                let first = packed.responseStarts[row]
                items[index].referenceLogProbs = Array(logProbs[first..<first + items[index].responseTokens.count])
            }
            if let valueModel {
                try valueModel.forward(packed.batch, outputs: .scalar)
                let values = valueModel.scalarOutputs
                for (row, index) in range.enumerated() {
                    let first = packed.responseStarts[row]
                    items[index].values = Array(values[first..<first + items[index].responseTokens.count])
                }
            }
            start = range.upperBound
        }
    }

    /// The training score (after the missing-end penalty and clipping) and the gold and proxy scores.
    func addScores(_ items: inout [Rollout], prompts: [RLPrompt]) throws {
        let pairs = items.map { (prompt: prompts[$0.prompt], response: $0.text) }
        let scores = try scorer.scores(pairs)
        // The judge that trains is not asked twice.
        let golds = try gold.map { $0.name == scorer.name ? scores.map(Optional.some) : try $0.optionalScores(pairs) }
        let proxies = try proxy.map {
            $0.name == scorer.name ? scores.map(Optional.some) : try $0.optionalScores(pairs)
        }
        for index in items.indices {
            var score = scores[index]
            if let penalty = settings.missingEOSPenalty, !items[index].ended { score -= penalty }
            if let clip = settings.rewardClip { score = min(max(score, -clip), clip) }
            items[index].score = score
            items[index].gold = golds?[index] ?? nil
            items[index].proxy = proxies?[index] ?? nil
        }
    }

    /// Each algorithm's advantages (and PPO's returns); returns the iteration's metrics.
    func addAdvantages(_ items: inout [Rollout]) -> [String: Double] {
        let estimator = settings.klEstimator
        var nonScore = 0.0
        switch settings.algorithm {
        case .ppo:
            var advantages: [[Double]] = []
            for index in items.indices {
                let item = items[index]
                var rewards = zip(item.logProbs, item.referenceLogProbs).map { logProb, reference in
                    -klCoefficient * estimator.value(logProb: Double(logProb), reference: Double(reference))
                }
                nonScore += rewards.reduce(0, +)
                rewards[rewards.count - 1] += item.score
                let (a, r) = Advantages.generalized(
                    rewards: rewards, values: item.values.map(Double.init), gamma: settings.gamma,
                    lambda: settings.lambda)
                advantages.append(a)
                items[index].returns = r
            }
            if settings.whitenAdvantages { advantages = Advantages.whiten(advantages) }
            for index in items.indices { items[index].advantages = advantages[index] }
        case .grpo:
            let normalized = Advantages.groupNormalized(items.map(\.score), groupSize: settings.groupSize)
            for index in items.indices {
                items[index].advantages = Array(repeating: normalized[index], count: items[index].responseTokens.count)
            }
        case .rloo:
            let penalised = items.map { item -> Double in
                let kl = zip(item.logProbs, item.referenceLogProbs).reduce(0.0) {
                    $0 + estimator.value(logProb: Double($1.0), reference: Double($1.1))
                }
                nonScore -= klCoefficient * kl
                return item.score - klCoefficient * kl
            }
            let baseline = Advantages.leaveOneOut(penalised, groupSize: settings.groupSize)
            for index in items.indices {
                items[index].advantages = Array(repeating: baseline[index], count: items[index].responseTokens.count)
            }
        }
        let n = Double(items.count)
        let scores = items.map(\.score).reduce(0, +) / n
        var metrics: [String: Double] = [
            "objective/scores": scores,
            "objective/kl": items.reduce(0) { $0 + $1.klToReference } / n,
            "objective/entropy": items.reduce(0) { $0 - Double($1.logProbs.reduce(0, +)) } / n,
            "objective/non_score_reward": nonScore / n,
            "objective/rlhf_reward": scores + nonScore / n,
            "completions/mean_length": Double(items.reduce(0) { $0 + $1.responseTokens.count }) / n,
            "completions/ended_share": Double(items.filter(\.ended).count) / n,
        ]
        let golds = items.compactMap(\.gold)
        if !golds.isEmpty { metrics["reward/gold"] = golds.reduce(0, +) / Double(golds.count) }
        let proxies = items.compactMap(\.proxy)
        if !proxies.isEmpty { metrics["reward/proxy"] = proxies.reduce(0, +) / Double(proxies.count) }
        if settings.algorithm == .ppo {
            let values = items.flatMap { $0.values.map(Double.init) }
            let returns = items.flatMap(\.returns)
            metrics["val/explained_variance"] = Self.explainedVariance(predicted: values, actual: returns)
        } else {
            let rewards = items.map(\.score)
            let mean = rewards.reduce(0, +) / n
            metrics["reward_std"] = (rewards.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / max(1, n - 1)).squareRoot()
        }
        return metrics
    }

    /// 1 − Var(actual − predicted) / Var(actual).
    static func explainedVariance(predicted: [Double], actual: [Double]) -> Double {
        func variance(_ x: [Double]) -> Double {
            guard x.count > 1 else { return 0 }
            let mean = x.reduce(0, +) / Double(x.count)
            return x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count - 1)
        }
        let total = variance(actual)
        guard total > 0 else { return 0 }
        return 1 - variance(zip(actual, predicted).map { $0 - $1 }) / total
    }

    // MARK: The update

    public func accumulate(examples indices: [Int], normalizer: Double) throws -> MetricSums {
        var sums = MetricSums()
        if !pendingRoundMetrics.isEmpty {
            for (name, value) in pendingRoundMetrics { sums.add(name, value) }
            pendingRoundMetrics.removeAll()
        }
        let items = indices.map { rollouts[$0] }
        let packed = try RolloutBatch(items)
        let batch = packed.batch
        try model.forward(batch, outputs: [.languageModel, .targetsOnly], temperature: Float(settings.temperature))
        let logProbs = model.targetLogProbs
        var gradients = [Float](repeating: 0, count: batch.batchSize * batch.length)
        var deviation = 0.0
        for (row, item) in items.enumerated() {
            let first = packed.responseStarts[row]
            let n = item.responseTokens.count
            var entropy = 0.0
            for k in 0..<n { entropy += Self.entropy(model.probabilities(row: 0, position: first + k)) }
            sums.add("policy/entropy_avg", entropy / Double(n), weight: Double(n))
            switch settings.algorithm {
            case .ppo, .grpo:
                for k in 0..<n {
                    let logProb = Double(logProbs[first + k])
                    var term = ClippedLoss.surrogate(
                        logProb: logProb, old: Double(item.logProbs[k]), advantage: item.advantages[k],
                        clipRange: settings.clipRange)
                    deviation = max(deviation, abs(term.ratio - 1))
                    sums.add("loss/policy_avg", term.loss)
                    sums.add("policy/clipfrac_avg", term.clipped ? 1 : 0)
                    sums.add(
                        "policy/approxkl_avg",
                        0.5 * (logProb - Double(item.logProbs[k])) * (logProb - Double(item.logProbs[k])))
                    sums.add("val/ratio", term.ratio)
                    if settings.algorithm == .grpo {
                        let reference = Double(item.referenceLogProbs[k])
                        let kl = KLEstimator.k3.value(logProb: logProb, reference: reference)
                        sums.add("kl", kl)
                        term.loss += settings.beta * kl
                        term.slope += settings.beta * KLEstimator.k3.derivative(logProb: logProb, reference: reference)
                    }
                    sums.add("loss", term.loss)
                    gradients[first + k] = Float(term.slope / normalizer)
                }
            case .rloo:
                var new = 0.0
                for k in 0..<n { new += Double(logProbs[first + k]) }
                let old = item.logProbs.reduce(0.0) { $0 + Double($1) }
                let term = ClippedLoss.surrogate(
                    logProb: new, old: old, advantage: item.advantages[0], clipRange: settings.clipRange)
                deviation = max(deviation, abs(term.ratio - 1))
                sums.add("loss", term.loss)
                sums.add("loss/policy_avg", term.loss)
                sums.add("policy/clipfrac_avg", term.clipped ? 1 : 0)
                sums.add("policy/approxkl_avg", 0.5 * (new - old) * (new - old))
                sums.add("val/ratio", term.ratio)
                for k in 0..<n { gradients[first + k] = Float(term.slope / normalizer) }
            }
        }
        lastRatioDeviation = deviation
        try model.backward(logProbGradients: gradients, valueGradients: nil)
        if let valueModel {
            try accumulateValues(items, packed: packed, valueModel: valueModel, normalizer: normalizer, into: &sums)
        }
        if settings.ptxCoef > 0 && stepStart == nil {
            stepStart = stepsDone
            stepsDone += 1
            try accumulatePretrainingMix(count: indices.count, step: stepStart!, into: &sums)
        }
        sums.tokens = items.reduce(0) { $0 + $1.promptTokens.count + $1.responseTokens.count }
        sums.sequences = items.count
        return sums
    }

    /// PPO's clipped value loss on the value model, ×`vf_coef`, into the value model's gradients.
    private func accumulateValues(
        _ items: [Rollout], packed: RolloutBatch, valueModel: TransformerModel, normalizer: Double,
        into sums: inout MetricSums
    ) throws {
        try valueModel.forward(packed.batch, outputs: .scalar)
        let values = valueModel.scalarOutputs
        var gradients = [Float](repeating: 0, count: packed.batch.batchSize * packed.batch.length)
        for (row, item) in items.enumerated() {
            let first = packed.responseStarts[row]
            for k in 0..<item.responseTokens.count {
                let term = ClippedLoss.value(
                    Double(values[first + k]), old: Double(item.values[k]), target: item.returns[k],
                    clipRange: settings.clipRangeValue)
                sums.add("loss/value_avg", term.loss)
                sums.add("val/clipfrac_avg", term.clipped ? 1 : 0)
                sums.add("loss", settings.valueCoef * term.loss)
                gradients[first + k] = Float(settings.valueCoef * term.slope / normalizer)
            }
        }
        try valueModel.backward(logProbGradients: nil, valueGradients: gradients)
    }

    /// PPO-ptx: `ptx_coef` × the mean language-model loss on `count` demonstrations, taken in order.
    private func accumulatePretrainingMix(count: Int, step: Int, into sums: inout MetricSums) throws {
        let examples = (0..<count).map { ptxExamples[(step * count + $0) % ptxExamples.count] }
        let batch = try TokenBatch(packing: examples.map(\.tokens), promptLengths: examples.map(\.promptCount))
        let loss = try model.trainLanguageModel(batch, lossScale: Float(settings.ptxCoef))
        sums.add("loss/ptx", Double(loss))
    }

    /// −Σ p log p of one next-token distribution.
    static func entropy(_ probabilities: UnsafeBufferPointer<Float>) -> Double {
        var total: Float = 0
        for p in probabilities where p > 0 { total -= p * Foundation.log(p) }
        return Double(total)
    }

    // MARK: Validation

    /// One response to each held-out prompt (a fixed seed, the run's temperature): the oracle's and the reward
    /// model's mean scores when available, the mean KL to the reference, length and share ended.
    public func evaluate() throws -> [String: Double] {
        guard !evalPrompts.isEmpty else { return [:] }
        var all: [Rollout] = []
        var start = 0
        while start < evalPrompts.count {
            let slice = Array(evalPrompts[start..<min(start + forwardBatch, evalPrompts.count)])
            var items = try sample(
                slice, count: 1,
                settings: SamplingSettings(
                    maxNewTokens: settings.maxNewTokens, temperature: Float(settings.temperature),
                    seed: evalSeed &+ UInt64(start)))
            for index in items.indices { items[index].prompt += start }
            all += items
            start += slice.count
        }
        try addReferenceAndValues(&all)
        let pairs = all.map { (prompt: evalPrompts[$0.prompt], response: $0.text) }
        let n = Double(all.count)
        var metrics: [String: Double] = [
            "objective/kl": all.reduce(0) { $0 + $1.klToReference } / n,
            "completions/mean_length": Double(all.reduce(0) { $0 + $1.responseTokens.count }) / n,
            "completions/ended_share": Double(all.filter(\.ended).count) / n,
        ]
        for (name, judge) in [("reward/gold", gold), ("reward/proxy", proxy)] {
            guard let scores = try judge?.optionalScores(pairs).compactMap({ $0 }), !scores.isEmpty else { continue }
            metrics[name] = scores.reduce(0, +) / Double(scores.count)
        }
        if gold == nil && proxy == nil { metrics["objective/scores"] = try scorer.scores(pairs).reduce(0, +) / n }
        return metrics
    }
}
