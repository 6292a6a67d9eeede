import Foundation
import TallyEngine
import TallyStore
import TallyWorld
import Testing

@testable import TallyTrain

/// DPO: each loss's gradient through the whole model against finite differences, learning the oracle's
/// preferences, resuming to identical weights, and refusing bad input.
@Suite(.serialized) struct DPOTests {
    /// Two pairs on task-world prompts, rendered with the tiny base model's tokenizer.
    private func pairs(_ tokenizer: BPETokenizer) throws -> [TokenizedPair] {
        let renderer = try ExampleRenderer(tokenizer: tokenizer, contextLength: 192)
        let prompts = LabeledWorkspace.prompts(train: 2, eval: 0, families: ["harmful", "letter-count"])
        var rng = SplitMix64(seed: 2, purpose: "pairs")
        let writer = ResponseWriter(world: LabeledWorkspace.world)
        return prompts.map { prompt, _ in
            TokenizedPair(
                chosen: renderer.render(.text(prompt.text), response: prompt.canonicalAnswer),
                rejected: renderer.render(
                    .text(prompt.text), response: writer.response(to: prompt, style: .wrong, using: &rng)))
        }
    }

    /// ∂L/∂θ from the engine's backward (fed each token's ∂L/∂log p) against central differences of the loss,
    /// on the parameters with the largest gradients, for every loss; with LoRA (reference: adapters off) too.
    @Test(arguments: [
        (DPOLossKind.sigmoid, 0.0, false), (.sigmoid, 0.2, false), (.robust, 0.2, false), (.ipo, 0.0, false),
        (.hinge, 0.0, false), (.sigmoid, 0.1, true),
    ])
    func gradientsMatchFiniteDifferences(kind: DPOLossKind, smoothing: Double, lora: Bool) throws {
        let base = try LabeledWorkspace.tinyBase()
        let model = try base.makeModel()
        let reference: ReferenceModel
        if lora {
            let adapters = try model.attachLoRA(LoRAConfiguration(rank: 2, alpha: 4), seed: 3)
            // Non-zero B, so that the policy differs from the reference and every adapter gets a gradient.
            for i in 0..<adapters.count { adapters.parameters[i] += 0.05 * Float((i * 7919) % 13 - 6) / 6 }
            reference = .adaptersOff
        } else {
            let other = try TransformerModel(config: model.config, seed: 99)
            reference = .frozen(other)
        }
        let pairs = try pairs(base.tokenizer)
        let trainer = try DPOTrainer(
            model: model, tokenizer: base.tokenizer, reference: reference,
            settings: DPOSettings(loss: kind, beta: kind == .ipo ? 0.5 : 0.1, labelSmoothing: smoothing),
            train: pairs, eval: pairs)
        model.zeroGradients()
        _ = try trainer.accumulate(examples: Array(pairs.indices), normalizer: Double(pairs.count))
        let tensors = model.trainableTensors
        var candidates: [(tensor: Int, index: Int, gradient: Float)] = []
        for (t, tensor) in tensors.enumerated() {
            for i in 0..<tensor.count { candidates.append((t, i, tensor.gradients[i])) }
        }
        let checked = candidates.sorted { abs($0.gradient) > abs($1.gradient) }.prefix(4)
        #expect(checked.allSatisfy { $0.gradient != 0 })
        for entry in checked {
            let pointer = tensors[entry.tensor].parameters + entry.index
            let saved = pointer.pointee
            let epsilon: Float = 3e-3
            pointer.pointee = saved + epsilon
            let plus = try #require(try trainer.evaluate()["loss"])
            pointer.pointee = saved - epsilon
            let minus = try #require(try trainer.evaluate()["loss"])
            pointer.pointee = saved
            let numeric = (plus - minus) / (2 * Double(epsilon))
            let analytic = Double(entry.gradient)
            #expect(
                abs(numeric - analytic) <= 0.05 * abs(analytic) + 1e-4,
                "\(tensors[entry.tensor].name)[\(entry.index)]: numeric \(numeric), analytic \(analytic)")
        }
    }

    /// On pairs that follow the oracle (a correct answer over a wrong one), DPO raises the held-out pairs'
    /// reward margin and accuracy.
    @Test func learnsTheOraclesPreferences() throws {
        let temp = try TemporaryFolder()
        let (workspace, database) = try LabeledWorkspace.make(
            in: temp, train: 40, eval: 16, families: ["harmful", "letter-count"])
        defer { database.close() }
        try registerSFT(database)
        var request = LabeledWorkspace.request(steps: 40, lr: 3e-3)
        request.truncate = true
        let run = try DPOJob.prepare(
            request, settings: DPOSettings(beta: 0.1), workspace: workspace, database: database)
        let before = try #require(try run.trainer?.evaluate())
        let session = try #require(run.session)
        guard case .finished = try session.run() else { Issue.record("not finished"); return }
        let after = session.lastEval
        #expect(before["rewards/margins"] == 0, "the policy starts as its reference")
        #expect((after["rewards/margins"] ?? 0) > 0.5, "\(after)")
        #expect((after["rewards/accuracies"] ?? 0) >= 0.8, "\(after)")
        let trainer = try #require(run.trainer as? DPOTrainer)
        let kl = try trainer.klToReference(prompts: [.text("Count the letters in the word banana.")], maxNewTokens: 8)
        #expect(kl.isFinite)
    }

    /// Killed after the step-4 save and prepared again: the same weights as an uninterrupted run, with a frozen
    /// reference, and with LoRA and the reference's log-probabilities precomputed (not recomputed on resume).
    @Test(arguments: [false, true]) func resumesToIdenticalWeights(loraAndPrecompute: Bool) throws {
        let temp = try TemporaryFolder()
        struct Killed: Error {}
        func prepare(_ workspace: Workspace, _ database: TallyDatabase) throws -> PreparedRun {
            var request = LabeledWorkspace.request(steps: 10, saveEvery: 4, name: "dpo")
            request.truncate = true
            if loraAndPrecompute { request.lora = LoRAConfiguration(rank: 2, alpha: 4) }
            return try DPOJob.prepare(
                request, settings: DPOSettings(loss: .sigmoid, precomputeReference: loraAndPrecompute),
                workspace: workspace, database: database)
        }
        let (straightSpace, straightDatabase) = try LabeledWorkspace.make(
            in: temp, name: "straight", train: 12, eval: 4)
        defer { straightDatabase.close() }
        try registerSFT(straightDatabase)
        _ = try #require(try prepare(straightSpace, straightDatabase).session).run()

        let (space, database) = try LabeledWorkspace.make(in: temp, name: "killed", train: 12, eval: 4)
        defer { database.close() }
        try registerSFT(database)
        let first = try #require(try prepare(space, database).session)
        #expect(throws: Killed.self) { try first.run(onStep: { if $0.step == 6 { throw Killed() } }) }
        let second = try prepare(space, database)
        #expect(second.session?.resumedFromStep == 4)
        if loraAndPrecompute {
            let saved = try Checkpoint.trainerState(in: space.checkpointFolder(name: "dpo"))
            #expect(saved?.strings[DPOTrainer.referenceKey] != nil)
        }
        guard case .finished = try #require(second.session).run() else { Issue.record("not finished"); return }
        #expect(try LabeledWorkspace.weights(space, "dpo") == LabeledWorkspace.weights(straightSpace, "dpo"))
        if loraAndPrecompute {
            let adapter = { (ws: Workspace) in
                try Data(
                    contentsOf: ws.checkpointFolder(name: "dpo").appendingPathComponent("adapter_model.safetensors"))
            }
            #expect(try adapter(space) == adapter(straightSpace))
        }
    }

    /// No pairs, pairs too long for the context, a reference of another shape: clear errors, no run row.
    @Test func badInputIsRefused() throws {
        let temp = try TemporaryFolder()
        let (workspace, database) = try LabeledWorkspace.make(in: temp, train: 4, eval: 0, rankings: false)
        defer { database.close() }
        try registerSFT(database)
        let request = LabeledWorkspace.request(steps: 2)
        let none = #expect(throws: TrainingError.self) {
            try DPOJob.prepare(request, settings: DPOSettings(), workspace: workspace, database: database)
        }
        #expect(none?.description.contains("no preference pairs") == true)

        let (full, fullDatabase) = try LabeledWorkspace.make(in: temp, name: "full", train: 12, eval: 0)
        defer { fullDatabase.close() }
        try registerSFT(fullDatabase)
        let base = try LabeledWorkspace.tinyBase()
        func register(_ name: String, layers: Int, context: Int) throws {
            let model = try TransformerModel(
                config: .gpt2(
                    vocabularySize: base.tokenizer.vocabularySize, contextLength: context, layers: layers, heads: 2,
                    width: 32),
                seed: 1)
            let manifest = try Checkpoint(model: model, tokenizer: base.tokenizer).save(
                to: full.checkpointFolder(name: name))
            try fullDatabase.registerCheckpoint(
                name: name, kind: .sft, path: Workspace.checkpointPath(name: name), config: "{}",
                sha256: manifest.files[Checkpoint.FileName.model]!.sha256)
        }
        try register("short", layers: 1, context: 24)
        try register("deeper", layers: 2, context: 192)
        var fromShort = request
        fromShort.from = "short"
        do {
            _ = try DPOJob.prepare(fromShort, settings: DPOSettings(), workspace: full, database: fullDatabase)
            Issue.record("pairs longer than the context were accepted")
        } catch let error as TrainingError {
            #expect(error.description.contains("longer than the model's context of 24"), "\(error)")
            #expect(error.description.contains("--max-length"), "\(error)")
        }
        var fromSFT = request
        fromSFT.from = "sft"
        do {
            _ = try DPOJob.prepare(
                fromSFT, settings: DPOSettings(), reference: "deeper", workspace: full, database: fullDatabase)
            Issue.record("a reference of another shape was accepted")
        } catch let error as TrainingError {
            #expect(error.description.contains("the same architecture"), "\(error)")
        }
        #expect(throws: TrainingError.self) {
            try DPOJob.prepare(request, settings: DPOSettings(beta: 0), workspace: full, database: fullDatabase)
        }
        #expect(try fullDatabase.trainingRuns().isEmpty && database.trainingRuns().isEmpty)
    }

    private func registerSFT(_ database: TallyDatabase) throws {
        let base = try #require(try database.checkpoint(named: "base"))
        try database.registerCheckpoint(
            name: "sft", kind: .sft, parentID: base.id, path: base.path, config: "{}", sha256: base.sha256)
    }
}
