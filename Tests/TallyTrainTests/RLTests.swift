import Foundation
import TallyEngine
import TallyStore
import TallyWorld
import Testing

@testable import TallyTrain

/// Online RL: the estimators against hand-computed values, the temperature-scaled backward against finite
/// differences, importance ratios of 1 at an iteration's first minibatch, a two-armed bandit whose answer is known,
/// resuming to identical weights, and bad input.
@Suite(.serialized) struct RLTests {
    // MARK: Estimators

    @Test func generalizedAdvantagesMatchHandComputedValues() {
        // r = [0, 0, 1], V = [0.5, 0.2, 0.4], γ = 1, λ = 0.5.
        // δ = [0 + 0.2 − 0.5, 0 + 0.4 − 0.2, 1 − 0.4] = [−0.3, 0.2, 0.6]
        // A₂ = 0.6, A₁ = 0.2 + 0.5·0.6 = 0.5, A₀ = −0.3 + 0.5·0.5 = −0.05
        let (advantages, returns) = Advantages.generalized(
            rewards: [0, 0, 1], values: [0.5, 0.2, 0.4], gamma: 1, lambda: 0.5)
        for (got, want) in zip(advantages, [-0.05, 0.5, 0.6]) { #expect(abs(got - want) < 1e-12) }
        for (got, want) in zip(returns, [0.45, 0.7, 1.0]) { #expect(abs(got - want) < 1e-12) }
        // λ = 1, γ = 1: the advantage is the return to go minus the value.
        let monteCarlo = Advantages.generalized(rewards: [1, 2, 3], values: [0, 0, 0], gamma: 1, lambda: 1)
        #expect(monteCarlo.advantages == [6, 5, 3])
    }

    @Test func groupBaselinesMatchHandComputedValues() {
        let rewards = [1.0, 0.0, 0.0, 3.0, 3.0, 3.0]
        let loo = Advantages.leaveOneOut(rewards, groupSize: 3)
        for (got, want) in zip(loo, [1.0, -0.5, -0.5, 0, 0, 0]) { #expect(abs(got - want) < 1e-12) }
        // Group 1: mean 1/3, unbiased std √(1/3); group 2: all equal, std 0.
        let normalized = Advantages.groupNormalized(rewards, groupSize: 3)
        let std = (1.0 / 3).squareRoot()
        #expect(abs(normalized[0] - (2.0 / 3) / (std + 1e-4)) < 1e-9)
        #expect(abs(normalized[1] + (1.0 / 3) / (std + 1e-4)) < 1e-9)
        #expect(normalized[3...].allSatisfy { $0 == 0 })
        let whitened = Advantages.whiten([[1, 2], [3, 4, 5]]).flatMap { $0 }
        #expect(abs(whitened.reduce(0, +)) < 1e-9)
        #expect(abs(whitened.reduce(0) { $0 + $1 * $1 } / 4 - 1) < 1e-6)
    }

    @Test func klEstimatorsAndTheAdaptiveController() {
        #expect(KLEstimator.k1.value(logProb: -1, reference: -1.5) == 0.5)
        // k3 = e^(ref − lp) − 1 − (ref − lp) ≥ 0, 0 when equal.
        #expect(abs(KLEstimator.k3.value(logProb: -1, reference: -1.5) - (exp(-0.5) - 1 + 0.5)) < 1e-12)
        #expect(KLEstimator.k3.value(logProb: -2, reference: -2) == 0)
        for estimator in KLEstimator.allCases {
            let h = 1e-6
            let numeric =
                (estimator.value(logProb: -1 + h, reference: -1.3) - estimator.value(logProb: -1 - h, reference: -1.3))
                / (2 * h)
            #expect(abs(numeric - estimator.derivative(logProb: -1, reference: -1.3)) < 1e-6)
        }
        var controller = AdaptiveKLController(coefficient: 0.1, target: 6, horizon: 10_000)
        controller.update(kl: 12, rollouts: 64)  // error clipped to 0.2
        #expect(abs(controller.coefficient - 0.1 * (1 + 0.2 * 64 / 10_000)) < 1e-15)
        controller.update(kl: 5.4, rollouts: 100)  // error −0.1
        #expect(abs(controller.coefficient - 0.1 * (1 + 0.2 * 64 / 10_000) * (1 - 0.1 * 100 / 10_000)) < 1e-15)
    }

    @Test func clippedLossesAndTheirSlopes() {
        let h = 1e-6
        for (logProb, advantage) in [(-1.0, 1.0), (-0.9, 1.0), (-1.1, -2.0), (-0.5, -1.0), (-1.5, 0.7)] {
            let term = ClippedLoss.surrogate(logProb: logProb, old: -1, advantage: advantage, clipRange: 0.2)
            let plus = ClippedLoss.surrogate(logProb: logProb + h, old: -1, advantage: advantage, clipRange: 0.2)
            let minus = ClippedLoss.surrogate(logProb: logProb - h, old: -1, advantage: advantage, clipRange: 0.2)
            #expect(abs((plus.loss - minus.loss) / (2 * h) - term.slope) < 1e-5, "lp \(logProb) A \(advantage)")
        }
        // A ratio of e^0.5 with a positive advantage is clipped: no gradient.
        #expect(ClippedLoss.surrogate(logProb: -0.5, old: -1, advantage: 1, clipRange: 0.2).clipped)
        for (value, old, target) in [(0.5, 0.4, 1.0), (1.0, 0.4, 0.0), (0.0, 0.4, 2.0), (0.45, 0.4, 0.42)] {
            let term = ClippedLoss.value(value, old: old, target: target, clipRange: 0.2)
            let plus = ClippedLoss.value(value + h, old: old, target: target, clipRange: 0.2)
            let minus = ClippedLoss.value(value - h, old: old, target: target, clipRange: 0.2)
            #expect(abs((plus.loss - minus.loss) / (2 * h) - term.slope) < 1e-5, "v \(value) R \(target)")
        }
    }

    // MARK: The engine at a temperature

    /// L = Σ w_t log p_T(y_t) with logits divided by T: the engine's backward against central differences.
    @Test func temperatureScaledBackwardMatchesFiniteDifferences() throws {
        let model = try TransformerModel(
            config: .gpt2(vocabularySize: 40, contextLength: 16, layers: 1, heads: 2, width: 16), seed: 4)
        let batch = try TokenBatch(sequences: [[1, 5, 9, 3, 7], [2, 8, 4]], promptLengths: [2, 1])
        let weights = (0..<batch.batchSize * batch.length).map { Float(($0 * 37) % 11) / 11 - 0.4 }
        func loss() throws -> Double {
            try model.forward(batch, outputs: .languageModel, temperature: 0.6)
            return zip(weights, model.targetLogProbs).reduce(0) { $0 + Double($1.0 * $1.1) }
        }
        model.zeroGradients()
        _ = try loss()
        try model.backward(logProbGradients: weights, valueGradients: nil)
        let tensors = model.trainableTensors
        var candidates: [(Int, Int, Float)] = []
        for (t, tensor) in tensors.enumerated() {
            for i in 0..<tensor.count { candidates.append((t, i, tensor.gradients[i])) }
        }
        for (t, i, gradient) in candidates.sorted(by: { abs($0.2) > abs($1.2) }).prefix(5) {
            let pointer = tensors[t].parameters + i
            let saved = pointer.pointee
            pointer.pointee = saved + 1e-2
            let plus = try loss()
            pointer.pointee = saved - 1e-2
            let minus = try loss()
            pointer.pointee = saved
            let numeric = (plus - minus) / 2e-2
            #expect(abs(numeric - Double(gradient)) <= 0.03 * abs(Double(gradient)) + 1e-4, "\(tensors[t].name)[\(i)]")
        }
    }

    // MARK: Trainers

    /// A reward known in closed form: 1 for the arm token, 0 for anything else.
    struct ArmScorer: RolloutScorer {
        let name = "arm"
        let arm: String
        func canScore(_ prompt: RLPrompt) -> Bool { true }
        func scores(_ items: [(prompt: RLPrompt, response: String)]) throws -> [Double] {
            items.map { $0.response == arm ? 1 : 0 }
        }
    }

    /// A two-armed bandit: a tiny policy first taught to answer one prompt with token A or token B about equally,
    /// then rewarded 1 for B and 0 for anything else (PPO's value model: a fresh scalar head).
    private func bandit(_ algorithm: RLAlgorithm, temperature: Double = 1, lora: Bool = false) throws -> (
        trainer: RLTrainer, armToken: Int32, probability: () throws -> Double
    ) {
        let base = try LabeledWorkspace.tinyBase()
        let model = try base.makeModel()
        let renderer = try ExampleRenderer(tokenizer: base.tokenizer, contextLength: 192)
        let prompt = renderer.chat.encodePrompt([ChatMessage(role: .user, content: "Count the letters in cat.")])
            .map(Int32.init)
        let arms = ["cat", "dog"].map { Int32(base.tokenizer.encode($0, allowSpecialTokens: false)[0]) }
        let warmUp = try TokenBatch(sequences: arms.map { prompt + [$0] }, promptLengths: [prompt.count, prompt.count])
        let optimizer = AdamW(model: model, settings: AdamWSettings(weightDecay: 0))
        for _ in 0..<40 {
            model.zeroGradients()
            try model.trainLanguageModel(warmUp)
            optimizer.step(learningRate: 1e-2)
        }
        if lora { try model.attachLoRA(LoRAConfiguration(rank: 2, alpha: 4), seed: 5) }
        let reference: ReferenceModel = lora ? .adaptersOff : .frozen(try model.copy())
        func probability() throws -> Double {
            let batch = TokenBatch(
                batchSize: 1, length: prompt.count, tokens: prompt,
                targets: [Int32](repeating: -1, count: prompt.count))
            try model.forward(batch, outputs: .languageModel)
            return Double(model.probabilities(row: 0, position: prompt.count - 1)[Int(arms[1])])
        }
        var settings = RLSettings.defaults(for: algorithm)
        settings.promptsPerIteration = 1
        settings.groupSize = 32
        settings.maxNewTokens = 1
        settings.temperature = temperature
        settings.ppoEpochs = 2
        settings.miniBatches = 2
        settings.evalPrompts = 0
        let value: TransformerModel? = algorithm == .ppo ? try base.makeModel(freshScalarHeadSeed: 3) : nil
        let armText = base.tokenizer.decode([Int(arms[1])]).trimmingCharacters(in: .whitespacesAndNewlines)
        let trainer = try RLTrainer(
            model: model, tokenizer: base.tokenizer, reference: reference, valueModel: value, settings: settings,
            scorer: ArmScorer(arm: armText), gold: nil, proxy: nil,
            trainPrompts: [RLPrompt(id: 1, content: .text("Count the letters in cat."), tokens: prompt, world: nil)],
            evalPrompts: [])
        return (trainer, arms[1], probability)
    }

    /// At an iteration's first minibatch the policy has not moved since it sampled: the training forward recomputes
    /// the sampled log-probabilities, so every importance ratio is 1 within 1e-4 (at temperature 1 and 0.7; with
    /// LoRA).
    @Test(arguments: [(RLAlgorithm.ppo, 1.0, false), (.grpo, 0.7, false), (.rloo, 1.0, true), (.grpo, 1.3, true)])
    func firstMinibatchRatiosAreOne(algorithm: RLAlgorithm, temperature: Double, lora: Bool) throws {
        let (trainer, _, _) = try bandit(algorithm, temperature: temperature, lora: lora)
        var random = EngineRandom(seed: 3)
        let indices = try #require(try trainer.drawExamples(16, random: &random))
        trainer.model.zeroGradients()
        let sums = try trainer.accumulate(examples: indices, normalizer: 16)
        #expect(trainer.lastRatioDeviation < 1e-4, "max |ρ − 1| = \(trainer.lastRatioDeviation)")
        #expect(sums.means["loss"]?.isFinite == true)
        #expect(abs((sums.means["val/ratio"] ?? 0) - 1) < 1e-4)
    }

    /// A two-armed bandit whose answer is known: the reward is 1 for one token and 0 for the rest, so every
    /// algorithm must move probability to that token.
    @Test(arguments: RLAlgorithm.allCases) func movesProbabilityToTheBetterArm(algorithm: RLAlgorithm) throws {
        let temp = try TemporaryFolder()
        let (workspace, database) = try temp.workspace()
        defer { database.close() }
        let (trainer, _, probability) = try bandit(algorithm)
        let before = try probability()
        let session = try TrainingSession(
            start: .fresh, workspace: workspace, database: database, name: algorithm.rawValue, trainer: trainer,
            settings: SessionSettings(
                optimization: OptimizationSettings(
                    steps: 12 * trainer.stepsPerRound, peakLearningRate: 1e-2, minimumLearningRate: 1e-2,
                    warmupSteps: 0, weightDecay: 0),
                batchSize: 16, microBatchSize: 8),
            outputKind: CheckpointKind(rawValue: algorithm.rawValue)!, parents: TrainingRunParents(), config: "{}",
            fingerprint: "bandit")
        guard case .finished = try session.run() else { Issue.record("not finished"); return }
        let after = try probability()
        #expect(before > 0.2 && before < 0.8, "the warm-up leaves both arms likely: p(B) \(before)")
        #expect(after > before + 0.3, "p(B) \(before) → \(after)")
        let scores = try database.metrics(runID: session.runID).filter { $0.name == "objective/scores" }.map(\.value)
        #expect(scores.count == 12)
        let early: Double = scores.prefix(3).reduce(0, +) / 3
        let late: Double = scores.suffix(3).reduce(0, +) / 3
        #expect(late > early, "mean score \(early) → \(late)")
        if algorithm == .ppo {
            #expect(try database.checkpoint(named: "ppo-value")?.kind == .value)
        }
    }

    /// PPO-ptx mixes the language-model loss on demonstrations into every step, and with a KL target the KL
    /// coefficient moves between iterations and is saved for resuming.
    @Test func pretrainingMixAndAdaptiveKL() throws {
        let (trainer, _, _) = try bandit(.ppo)
        var settings = trainer.settings
        settings.ptxCoef = 0.5
        settings.klTarget = 0.01
        settings.klHorizon = 50
        let base = try LabeledWorkspace.tinyBase()
        let renderer = try ExampleRenderer(tokenizer: base.tokenizer, contextLength: 192)
        let demonstration = renderer.render(.text("Count the letters in cat."), response: "3")
        let mixed = try RLTrainer(
            model: trainer.model, tokenizer: trainer.tokenizer, reference: trainer.reference,
            valueModel: trainer.valueModel, settings: settings, scorer: trainer.scorer, gold: nil, proxy: nil,
            trainPrompts: trainer.trainPrompts, evalPrompts: [], ptxExamples: [demonstration])
        var random = EngineRandom(seed: 1)
        var coefficients: [Double] = []
        for _ in 0..<2 {
            coefficients.append(mixed.klCoefficient)
            for _ in 0..<mixed.stepsPerRound {
                let indices = try #require(try mixed.drawExamples(16, random: &random))
                mixed.model.zeroGradients()
                let sums = try mixed.accumulate(examples: indices, normalizer: 16)
                #expect((sums.means["loss/ptx"] ?? .nan).isFinite, "\(sums.means.keys.sorted())")
            }
        }
        #expect(coefficients[0] == 0.05)
        #expect(mixed.klCoefficient != coefficients[1], "the controller moved the coefficient")
        #expect(mixed.checkpointStrings[RLTrainer.klCoefficientKey] == String(mixed.klCoefficient))
        #expect(throws: TrainingError.self) {
            try RLTrainer(
                model: trainer.model, tokenizer: trainer.tokenizer, reference: trainer.reference,
                valueModel: trainer.valueModel, settings: settings, scorer: trainer.scorer, gold: nil, proxy: nil,
                trainPrompts: trainer.trainPrompts, evalPrompts: [])
        }
    }

    /// Killed mid-run after an iteration's save and prepared again: policy and value model end byte-identical to an
    /// uninterrupted run's (rollout sampling included).
    @Test(arguments: [RLAlgorithm.ppo, .grpo]) func resumesToIdenticalWeights(algorithm: RLAlgorithm) throws {
        let temp = try TemporaryFolder()
        struct Killed: Error {}
        func prepare(_ workspace: Workspace, _ database: TallyDatabase) throws -> PreparedRun {
            var settings = RLSettings.defaults(for: algorithm)
            settings.promptsPerIteration = 4
            settings.groupSize = algorithm == .ppo ? 1 : 2
            settings.maxNewTokens = 6
            settings.ppoEpochs = 2
            settings.miniBatches = 2
            settings.evalPrompts = 2
            var request = LabeledWorkspace.request(steps: 1, saveEvery: 1, name: algorithm.rawValue)
            request.evalEvery = 2
            return try RLJob.prepare(
                request, settings: settings, reward: algorithm == .ppo ? .rewardModel("rm") : .oracle,
                iterations: 4, workspace: workspace, database: database)
        }
        let (straightSpace, straightDatabase) = try LabeledWorkspace.make(
            in: temp, name: "straight", train: 8, eval: 2, rankings: false)
        defer { straightDatabase.close() }
        try registerSFTAndRM(straightSpace, straightDatabase)
        _ = try #require(try prepare(straightSpace, straightDatabase).session).run()

        let (space, database) = try LabeledWorkspace.make(in: temp, name: "killed", train: 8, eval: 2, rankings: false)
        defer { database.close() }
        try registerSFTAndRM(space, database)
        let first = try #require(try prepare(space, database).session)
        // Iterations are 4 steps; the save after iteration 1 is at step 4, and the kill comes mid-iteration 2.
        #expect(throws: Killed.self) { try first.run(onStep: { if $0.step == 6 { throw Killed() } }) }
        let second = try prepare(space, database)
        #expect(second.session?.resumedFromStep == 4)
        guard case .finished = try #require(second.session).run() else { Issue.record("not finished"); return }
        let name = algorithm.rawValue
        #expect(try LabeledWorkspace.weights(space, name) == LabeledWorkspace.weights(straightSpace, name))
        if algorithm == .ppo {
            let value = { (ws: Workspace) in
                try Data(contentsOf: ws.checkpointFolder(name: name).appendingPathComponent("value/model.safetensors"))
            }
            #expect(try value(space) == value(straightSpace))
            let record = try #require(try database.checkpoint(named: "ppo-value"))
            let loaded = try Checkpoint.load(from: space.root.appendingPathComponent(record.path))
            #expect(try loaded.makeModel().hasScalarHead)
        }
        let metrics = try database.metrics(runID: #require(second.session).runID)
        #expect(metrics.contains { $0.name == "reward/gold" }, "the oracle is logged beside the reward")
    }

    /// A reward checkpoint that is not a reward model, the oracle on prompts outside the task world, a reference
    /// with another tokenizer: clear errors before any work.
    @Test func badInputIsRefused() throws {
        let temp = try TemporaryFolder()
        let (workspace, database) = try LabeledWorkspace.make(in: temp, train: 8, eval: 2, rankings: false)
        defer { database.close() }
        try registerSFTAndRM(workspace, database)
        var settings = RLSettings.defaults(for: .grpo)
        settings.promptsPerIteration = 2
        let request = LabeledWorkspace.request(steps: 1)
        func failure(_ body: () throws -> Void) -> String {
            do {
                try body()
                return "no error"
            } catch {
                return String(describing: error)
            }
        }
        let notRM = failure {
            _ = try RLJob.prepare(
                request, settings: settings, reward: .rewardModel("sft"), iterations: 1, workspace: workspace,
                database: database)
        }
        #expect(notRM.contains("sft is a sft checkpoint"), "\(notRM)")
        let (outside, outsideDatabase) = try temp.workspace("outside")
        defer { outsideDatabase.close() }
        for text in ["Write a haiku about autumn.", "What is your favourite colour?", "Tell me a story."] {
            _ = try outsideDatabase.addPrompt(.text(text), source: "import", split: .train)
        }
        try copyCheckpoints(from: workspace, database, to: outside, outsideDatabase)
        let oracle = failure {
            _ = try RLJob.prepare(
                request, settings: settings, reward: .oracle, iterations: 1, workspace: outside,
                database: outsideDatabase)
        }
        #expect(oracle.contains("task-world prompt"), "\(oracle)")
        // A reference with another tokenizer.
        let otherTokenizer = try BPETrainer(vocabularySize: 300).train(on: String(repeating: "a b c d. ", count: 50))
        let other = try TransformerModel(
            config: .gpt2(vocabularySize: 420, contextLength: 192, layers: 1, heads: 2, width: 32), seed: 2)
        let manifest = try Checkpoint(model: other, tokenizer: otherTokenizer).save(
            to: workspace.checkpointFolder(name: "other"))
        try database.registerCheckpoint(
            name: "other", kind: .sft, path: Workspace.checkpointPath(name: "other"), config: "{}",
            sha256: manifest.files[Checkpoint.FileName.model]!.sha256)
        var fromSFT = request
        fromSFT.from = "sft"
        let tokenizer = failure {
            _ = try RLJob.prepare(
                fromSFT, settings: settings, reward: .oracle, reference: "other", iterations: 1,
                workspace: workspace, database: database)
        }
        #expect(tokenizer.contains("another tokenizer"), "\(tokenizer)")
        #expect(try database.trainingRuns().isEmpty && outsideDatabase.trainingRuns().isEmpty)
    }

    /// Registers the tiny base as `sft` and, with a fresh scalar head, as the reward model `rm`.
    private func registerSFTAndRM(_ workspace: Workspace, _ database: TallyDatabase) throws {
        let base = try #require(try database.checkpoint(named: "base"))
        try database.registerCheckpoint(
            name: "sft", kind: .sft, parentID: base.id, path: base.path, config: "{}", sha256: base.sha256)
        let checkpoint = try LabeledWorkspace.tinyBase()
        let rm = try checkpoint.makeModel(freshScalarHeadSeed: 5)
        let manifest = try Checkpoint(model: rm, tokenizer: checkpoint.tokenizer).save(
            to: workspace.checkpointFolder(name: "rm"))
        try database.registerCheckpoint(
            name: "rm", kind: .rm, parentID: base.id, path: Workspace.checkpointPath(name: "rm"), config: "{}",
            sha256: manifest.files[Checkpoint.FileName.model]!.sha256)
    }

    private func copyCheckpoints(
        from workspace: Workspace, _ database: TallyDatabase, to other: Workspace, _ otherDatabase: TallyDatabase
    ) throws {
        for record in try database.checkpoints() {
            let source = workspace.root.appendingPathComponent(record.path)
            let target = other.root.appendingPathComponent(record.path)
            if !FileManager.default.fileExists(atPath: target.path) {
                try FileManager.default.createDirectory(
                    at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try FileManager.default.copyItem(at: source, to: target)
            }
            try otherDatabase.registerCheckpoint(
                name: record.name, kind: record.kind, path: record.path, config: "{}", sha256: record.sha256)
        }
    }
}
