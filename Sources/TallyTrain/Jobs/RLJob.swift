import Foundation
import TallyEngine
import TallyStore
import TallyWorld

/// What scores an RL run's rollouts: a reward model checkpoint or the task world's oracle.
public enum RLRewardSource: Equatable, Sendable {
    case rewardModel(String)
    case oracle

    /// Parses `rm:CHECKPOINT` or `oracle`.
    public init(parsing text: String) throws {
        if text == "oracle" {
            self = .oracle
        } else if text.hasPrefix("rm:"), text.count > 3 {
            self = .rewardModel(String(text.dropFirst(3)))
        } else {
            throw TrainingError("--reward \(text): expected rm:CHECKPOINT (a reward model) or oracle")
        }
    }

    public var description: String {
        switch self {
        case .rewardModel(let name): "rm:\(name)"
        case .oracle: "oracle"
        }
    }
}

/// `tally train ppo|grpo|rloo`: online RL of a policy (default: the newest sft) on the workspace's train prompts,
/// scored by a reward model or the oracle, with a KL to a reference (the policy's start).
public enum RLJob {
    /// Loads the prompts, the policy, the reference, the reward (and PPO's value model) and opens (or resumes)
    /// the run. Every bad input — a reward checkpoint that is not a reward model, the oracle on prompts outside the
    /// task world, a reference or value model with another tokenizer — throws before any work.
    public static func prepare(
        _ request: TrainingRequest, settings: RLSettings, reward: RLRewardSource,
        reference referenceName: String? = nil,
        valueFrom: String? = nil, iterations: Int, workspace: Workspace, database: TallyDatabase,
        log: (String) -> Void = { _ in }
    ) throws -> PreparedRun {
        try request.validate()
        try settings.validate()
        guard iterations > 0 else { throw TrainingError("--iterations must be positive, got \(iterations)") }
        let algorithm = settings.algorithm
        let policyKinds = Set(CheckpointKind.allCases.filter(\.isPolicy))
        let parent = try ParentCheckpoint.load(
            request.from, defaultKinds: [.sft], allowed: policyKinds, role: "--from",
            purpose: algorithm.rawValue.uppercased(),
            workspace: workspace, database: database)
        let referenceParent = try ParentCheckpoint.reference(
            referenceName, policy: parent, lora: request.lora != nil, purpose: "an RL reference", workspace: workspace,
            database: database)
        let rewardParent: ParentCheckpoint?
        if case .rewardModel(let name) = reward {
            rewardParent = try ParentCheckpoint.load(
                name, defaultKinds: [], allowed: [.rm], role: "--reward rm:", purpose: "a reward",
                workspace: workspace, database: database)
        } else {
            rewardParent = nil
        }
        // The RM logged beside the oracle when the oracle trains: the newest one, if any.
        let proxyParent: ParentCheckpoint? =
            try rewardParent
            ?? (database.newestCheckpoint(kinds: [.rm]) == nil
                ? nil
                : ParentCheckpoint.load(
                    nil, defaultKinds: [.rm], allowed: [.rm], role: "--reward rm:", purpose: "a proxy reward",
                    workspace: workspace, database: database))
        var valueParent: ParentCheckpoint?
        if algorithm == .ppo {
            if let valueFrom {
                valueParent = try ParentCheckpoint.load(
                    valueFrom, defaultKinds: [], allowed: [.rm, .value], role: "--value-from",
                    purpose: "PPO's value model", workspace: workspace, database: database)
            } else {
                valueParent = rewardParent ?? proxyParent
            }
            guard let valueParent else {
                throw TrainingError(
                    "PPO's value model starts from a reward model and the workspace has none; train one with "
                        + "`tally train rm`, or use `tally train grpo --reward oracle`, which needs no value model")
            }
            guard valueParent.checkpoint.tokenizer.jsonData() == parent.checkpoint.tokenizer.jsonData() else {
                throw TrainingError(
                    "the value model's start \(valueParent.record.name) has another tokenizer than the policy "
                        + "\(parent.record.name); it must read the policy's tokens")
            }
        } else if valueFrom != nil {
            throw TrainingError("--value-from is for PPO; \(algorithm.rawValue) has no value model")
        }

        // Prompts: the train split for rollouts, the eval split for validation.
        let modelConfig = try parent.checkpoint.modelConfig()
        let renderer = try ExampleRenderer(
            tokenizer: parent.checkpoint.tokenizer, contextLength: modelConfig.contextLength)
        func rlPrompt(_ prompt: Prompt) -> RLPrompt {
            RLPrompt(
                id: prompt.id, content: prompt.content,
                tokens: renderer.chat.encodePrompt(ModelPromptRendering.chatMessages(prompt.content)).map(Int32.init),
                world: World.standard.recognize(prompt.content.lastUserText))
        }
        let room = modelConfig.contextLength - settings.maxNewTokens
        var train = try database.prompts(split: .train).map(rlPrompt)
        var eval = try database.prompts(split: .eval).map(rlPrompt)
        guard !train.isEmpty else {
            throw TrainingError(
                "the workspace has no train prompts to sample from; add some with `tally import prompts` (or "
                    + "`tally world prompts`)")
        }
        var notes: [String] = []
        let tooLong = train.filter { $0.tokens.count > room }.count
        train.removeAll { $0.tokens.count > room }
        eval.removeAll { $0.tokens.count > room }
        if tooLong > 0 {
            notes.append(
                "left out \(tooLong) train prompts longer than \(room) tokens (the context less --max-new-tokens)")
        }
        let outsideWorld = train.filter { $0.world == nil }.count
        if reward == .oracle {
            guard outsideWorld < train.count else {
                throw TrainingError(
                    "--reward oracle: none of the \(train.count) train prompts is a task-world prompt the oracle can "
                        + "score; add some with `tally world prompts`, or use --reward rm:CHECKPOINT")
            }
            if outsideWorld > 0 {
                notes.append(
                    "left out \(outsideWorld) train prompts outside the task world (the oracle cannot score them)")
                train.removeAll { $0.world == nil }
            }
        }
        let goldAvailable = train.contains { $0.world != nil }
        eval = Array(eval.prefix(settings.evalPrompts))
        guard train.count >= settings.promptsPerIteration else {
            throw TrainingError(
                "an iteration takes --prompts \(settings.promptsPerIteration) but the workspace has \(train.count) "
                    + "usable train prompts; lower --prompts")
        }

        // PPO-ptx's demonstrations.
        var ptx: [TokenizedResponse] = []
        if settings.ptxCoef > 0 {
            ptx = try database.demonstrationExamples().filter { $0.split == .train }.compactMap {
                renderer.truncated(renderer.render($0.prompt, response: $0.completion))
            }
        }

        let name = try request.name ?? defaultCheckpointName(for: algorithm.trainingKind, database: database)
        if algorithm == .ppo, let existing = try database.checkpoint(named: name + "-value"),
            try database.checkpoint(named: name) == nil
        {
            throw TrainingError(
                "a checkpoint named \"\(name)-value\" is already registered (id \(existing.id)), where this run's value "
                    + "model would go; choose another --name")
        }
        func identity(_ checkpoint: ParentCheckpoint?) -> Any {
            checkpoint.map { ["name": $0.record.name, "sha256": $0.record.sha256] } ?? NSNull()
        }
        let (config, fingerprint) = try PreparedRun.configuration([
            "kind": algorithm.rawValue, "name": name,
            "parents": [
                "init": identity(parent), "reference": identity(referenceParent), "reward": identity(rewardParent),
                "value": identity(valueParent),
            ],
            "reward": reward.description, "iterations": iterations,
            "training": request.jsonObject, "rl": settings.jsonObject,
            "data": [
                "train_prompts": train.count, "eval_prompts": eval.count, "ptx_examples": ptx.count,
                "sha256": PreparedRun.digest(train.map { "\($0.id)" } + ["eval"] + eval.map { "\($0.id)" }),
            ],
            "model": ["layers": modelConfig.layers, "width": modelConfig.width, "context": modelConfig.contextLength],
        ])
        let start = try TrainingSession.prepare(
            workspace: workspace, database: database, name: name, kind: algorithm.trainingKind,
            fingerprint: fingerprint, fresh: request.fresh, log: log)
        notes.insert(
            "\(train.count) train prompts (\(settings.promptsPerIteration) × \(settings.groupSize) rollouts an "
                + "iteration), \(eval.count) eval prompts; reward: \(reward.description); reference: "
                + (request.lora != nil
                    ? "\(parent.record.name) with the adapters off" : "a frozen copy of \(referenceParent.record.name)")
                + (valueParent.map { "; value model from \($0.record.name)" } ?? ""), at: 0)
        let resumeState = start.resumeCheckpoint?.trainerState
        if let step = resumeState?.step {
            notes.append("resuming \(name) at iteration \(step / settings.stepsPerIteration + 1)")
        }
        var sessionRequest = request
        sessionRequest.steps = iterations * settings.stepsPerIteration
        sessionRequest.batchSize = settings.rolloutsPerIteration / settings.miniBatches
        sessionRequest.microBatchSize = min(request.microBatchSize ?? 16, sessionRequest.batchSize)
        sessionRequest.evalEvery = (request.evalEvery ?? max(1, iterations / 4)) * settings.stepsPerIteration
        sessionRequest.saveEvery = max(1, request.saveEvery) * settings.stepsPerIteration
        sessionRequest.warmupSteps = request.warmupSteps ?? 0
        sessionRequest.minimumLearningRate = request.minimumLearningRate ?? request.learningRate
        return try PreparedRun.make(
            name: name, parent: parent, start: start,
            trainer: {
                let model = try PreparedRun.model(start: start, request: request) { try parent.checkpoint.makeModel() }
                let reference = try ReferenceModel.make(lora: request.lora != nil, frozen: referenceParent)
                var valueModel: TransformerModel?
                if let valueParent {
                    if let saved = start.resumeCheckpoint?.companions["value"] {
                        valueModel = try saved.makeModel()
                    } else {
                        valueModel = try valueParent.checkpoint.makeModel()
                        if let lora = request.lora { try valueModel!.attachLoRA(lora, seed: request.seed &+ 29) }
                    }
                }
                let rewardScorer = try rewardParent.map {
                    RewardModelRolloutScorer(
                        name: "rm:\($0.record.name)", scorer: try RewardScorer(checkpoint: $0.checkpoint))
                }
                let proxyScorer =
                    try rewardScorer
                    ?? proxyParent.map {
                        RewardModelRolloutScorer(
                            name: "rm:\($0.record.name)", scorer: try RewardScorer(checkpoint: $0.checkpoint))
                    }
                let oracle = goldAvailable ? OracleRolloutScorer() : nil
                let scorer: any RolloutScorer = reward == .oracle ? OracleRolloutScorer() : rewardScorer!
                return try RLTrainer(
                    model: model, tokenizer: parent.checkpoint.tokenizer, reference: reference, valueModel: valueModel,
                    valueParentID: valueParent?.record.id, settings: settings, scorer: scorer, gold: oracle,
                    proxy: proxyScorer, trainPrompts: train, evalPrompts: eval, ptxExamples: ptx,
                    klCoefficient: resumeState?.strings[RLTrainer.klCoefficientKey].flatMap(Double.init),
                    startStep: resumeState?.step ?? 0)
            }, request: sessionRequest, outputKind: CheckpointKind(rawValue: algorithm.rawValue)!,
            parents: TrainingRunParents(
                initial: parent.record.id, reference: referenceParent.record.id, reward: rewardParent?.record.id,
                value: valueParent?.record.id),
            config: config, fingerprint: fingerprint, notes: notes, workspace: workspace, database: database)
    }
}
