import Foundation
import TallyEngine
import TallyStore

/// `tally train dpo`: direct preference optimisation of a policy (default: the newest sft) on the pairs the
/// reward model sees — every ranking's non-tied pairs, comparisons won by A or B, imported pairs.
public enum DPOJob {
    /// One preference pair with its prompt, before rendering.
    struct Pair {
        var promptID: Int64
        var prompt: PromptContent
        var split: Split
        var chosen: String
        var rejected: String
    }

    /// Loads the pairs, the policy and the reference, and opens (or resumes) the run. `reference` names another
    /// checkpoint to measure against (default: the policy's starting checkpoint); `maxLength` cuts rendered
    /// sequences to that many tokens. Throws a one-line error for a workspace without pairs, pairs that do not fit
    /// (how many), or a reference of another architecture or tokenizer.
    public static func prepare(
        _ request: TrainingRequest, settings: DPOSettings, reference referenceName: String? = nil,
        maxLength: Int? = nil, workspace: Workspace, database: TallyDatabase, log: (String) -> Void = { _ in }
    ) throws -> PreparedRun {
        try request.validate()
        try settings.validate()
        let policyKinds = Set(CheckpointKind.allCases.filter(\.isPolicy))
        let parent = try ParentCheckpoint.load(
            request.from, defaultKinds: [.sft], allowed: policyKinds, role: "--from", purpose: "DPO",
            workspace: workspace, database: database)
        let referenceParent = try ParentCheckpoint.reference(
            referenceName, policy: parent, lora: request.lora != nil, purpose: "a DPO reference", workspace: workspace,
            database: database)
        var pairs: [Pair] = []
        for example in try database.rankedExamples() {
            for (chosen, rejected) in example.pairs {
                pairs.append(
                    Pair(
                        promptID: example.promptID, prompt: example.prompt, split: example.split,
                        chosen: example.responses[chosen], rejected: example.responses[rejected]))
            }
        }
        guard !pairs.isEmpty else {
            throw TrainingError(
                "the workspace has no preference pairs for DPO; rank responses in `tally label`, run "
                    + "`tally simulate`, or import pairs with `tally import prefs`")
        }
        let (train, eval, heldOut) = splitTrainEval(pairs, split: \.split, promptID: \.promptID)
        guard !train.isEmpty else {
            throw TrainingError("all \(pairs.count) pairs are on eval or test prompts; DPO needs train-split pairs")
        }
        let modelConfig = try parent.checkpoint.modelConfig()
        let limit = min(maxLength ?? modelConfig.contextLength, modelConfig.contextLength)
        let renderer = try ExampleRenderer(tokenizer: parent.checkpoint.tokenizer, contextLength: limit)
        func render(_ pair: Pair) -> TokenizedPair {
            TokenizedPair(
                chosen: renderer.render(pair.prompt, response: pair.chosen),
                rejected: renderer.render(pair.prompt, response: pair.rejected))
        }
        var rendered = (train + eval).map(render)
        let tooLong = rendered.filter { max($0.chosen.tokens.count, $0.rejected.tokens.count) > limit }
        if !tooLong.isEmpty {
            guard request.truncate || maxLength != nil else {
                throw TrainingError(
                    "\(tooLong.count) of \(rendered.count) pairs are longer than the model's context of \(limit) "
                        + "tokens (the longest has \(tooLong.map { max($0.chosen.tokens.count, $0.rejected.tokens.count) }.max()!)); "
                        + "pass --max-length N (at most \(modelConfig.contextLength)) or --truncate to cut them")
            }
            var dropped = 0
            rendered = rendered.compactMap { pair in
                guard let chosen = renderer.truncated(pair.chosen), let rejected = renderer.truncated(pair.rejected)
                else {
                    dropped += 1
                    return nil
                }
                return TokenizedPair(chosen: chosen, rejected: rejected)
            }
            if dropped > 0 {
                throw TrainingError(
                    "\(dropped) pairs have prompts of \(limit) tokens or more, which leave no room for a response; "
                        + "raise --max-length or shorten those prompts")
            }
            log("cut \(tooLong.count) of \(pairs.count) pairs to \(limit) tokens")
        }
        var notes = [
            "\(train.count) training pairs, \(eval.count) held out for validation"
                + (heldOut ? " (a tenth of the train prompts: the workspace has no eval-split pairs)" : "")
                + "; reference: "
                + (request.lora != nil
                    ? "\(parent.record.name) with the adapters off"
                    : "a frozen copy of \(referenceParent.record.name)")
        ]
        let name = try request.name ?? defaultCheckpointName(for: .dpo, database: database)
        let (config, fingerprint) = try PreparedRun.configuration([
            "kind": "dpo", "name": name,
            "parents": [
                "init": ["name": parent.record.name, "sha256": parent.record.sha256],
                "reference": ["name": referenceParent.record.name, "sha256": referenceParent.record.sha256],
            ],
            "training": request.jsonObject,
            "dpo": [
                "loss": settings.loss.rawValue, "beta": settings.beta, "label_smoothing": settings.labelSmoothing,
                "precompute_ref": settings.precomputeReference, "max_length": limit,
            ],
            "data": [
                "train": train.count, "eval": eval.count,
                "sha256": PreparedRun.digest(
                    (train + eval).map { "\($0.promptID)\u{1F}\($0.chosen)\u{1F}\($0.rejected)" }),
            ],
            "model": ["layers": modelConfig.layers, "width": modelConfig.width, "context": modelConfig.contextLength],
        ])
        let start = try TrainingSession.prepare(
            workspace: workspace, database: database, name: name, kind: .dpo, fingerprint: fingerprint,
            fresh: request.fresh, log: log)
        if let step = start.resumeCheckpoint?.trainerState?.step { notes.append("resuming \(name) from step \(step)") }
        let savedReference = start.resumeCheckpoint?.trainerState?.strings[DPOTrainer.referenceKey]
        return try PreparedRun.make(
            name: name, parent: parent, start: start,
            trainer: {
                let model = try PreparedRun.model(start: start, request: request) { try parent.checkpoint.makeModel() }
                let reference = try ReferenceModel.make(lora: request.lora != nil, frozen: referenceParent)
                return try DPOTrainer(
                    model: model, tokenizer: parent.checkpoint.tokenizer, reference: reference, settings: settings,
                    train: Array(rendered.prefix(train.count)), eval: Array(rendered.suffix(eval.count)),
                    savedReference: savedReference)
            }, request: request, outputKind: .dpo,
            parents: TrainingRunParents(initial: parent.record.id, reference: referenceParent.record.id),
            config: config, fingerprint: fingerprint, notes: notes, workspace: workspace, database: database)
    }
}
