import Foundation
import TallyEngine
import TallyStore

/// `tally train rm`: a reward model from the workspace's rankings, comparisons and imported pairs, initialised
/// from a policy checkpoint (default: the newest sft) with a fresh scalar head.
public enum RewardModelJob {
    /// Loads the data and the parent, and opens (or resumes) the run. Throws a one-line error for a workspace
    /// without rankings, a parent of the wrong kind, or responses that do not fit the context.
    public static func prepare(
        _ request: TrainingRequest, settings: RewardModelSettings, workspace: Workspace, database: TallyDatabase,
        log: (String) -> Void = { _ in }
    ) throws -> (run: PreparedRun, eval: [RankedExample]) {
        try request.validate()
        let parent = try ParentCheckpoint.load(
            request.from, defaultKinds: [.sft], allowed: Set(CheckpointKind.allCases.filter(\.isPolicy)),
            role: "--from", purpose: "a reward model", workspace: workspace, database: database)
        let examples = try database.rankedExamples()
        guard !examples.isEmpty else {
            throw TrainingError(
                "the workspace has no rankings or comparisons to train a reward model on; rank responses in "
                    + "`tally label`, run `tally simulate`, or import pairs with `tally import prefs`")
        }
        let (train, eval, heldOut) = splitTrainEval(examples, split: \.split, promptID: \.promptID)
        guard !train.isEmpty else {
            throw TrainingError("all \(examples.count) rankings are on eval or test prompts; the RM needs train ones")
        }
        let demonstrations = try database.demonstrationExamples()
        let count: (RankedExample.Origin) -> Int = { origin in train.filter { $0.origin == origin }.count }
        let pairs = train.reduce(0) { $0 + $1.pairs.count }
        var notes = [
            "\(train.count) training rankings (\(count(.ranking)) rankings, \(count(.comparison)) comparisons, "
                + "\(count(.imported)) imported pairs; \(pairs) pairs), \(eval.count) held out for validation"
                + (heldOut ? " (a tenth of the train prompts: the workspace has no eval-split rankings)" : "")
        ]
        let name = try request.name ?? defaultCheckpointName(for: .rm, database: database)
        let modelConfig = try parent.checkpoint.modelConfig()
        let (config, fingerprint) = try PreparedRun.configuration([
            "kind": "rm", "name": name,
            "parents": ["init": ["name": parent.record.name, "sha256": parent.record.sha256]],
            "training": request.jsonObject,
            "reward_model": [
                "loss": settings.loss.rawValue, "center_rewards": settings.centerRewards,
                "strength_as_margin": settings.useStrengthAsMargin,
            ],
            "data": [
                "train": train.count, "eval": eval.count, "demonstrations": demonstrations.count,
                "sha256": PreparedRun.digest(
                    (train + eval).map { "\($0.origin.rawValue)\($0.sourceID)\u{1F}\($0.tiers)" }
                        + demonstrations.map { "\($0.promptID)\u{1F}\($0.completion)" }),
            ],
            "model": ["layers": modelConfig.layers, "width": modelConfig.width, "context": modelConfig.contextLength],
        ])
        let start = try TrainingSession.prepare(
            workspace: workspace, database: database, name: name, kind: .rm, fingerprint: fingerprint,
            fresh: request.fresh, log: log)
        if let step = start.resumeCheckpoint?.trainerState?.step { notes.append("resuming \(name) from step \(step)") }
        let run = try PreparedRun.make(
            name: name, parent: parent, start: start,
            trainer: {
                let model = try PreparedRun.model(start: start, request: request) {
                    try RewardHead.model(from: parent.checkpoint, seed: request.seed)
                }
                return try RewardModelTrainer(
                    model: model, tokenizer: parent.checkpoint.tokenizer, settings: settings, train: train,
                    eval: eval, demonstrations: demonstrations, truncate: request.truncate)
            }, request: request, outputKind: .rm, parents: TrainingRunParents(initial: parent.record.id),
            config: config, fingerprint: fingerprint, notes: notes, workspace: workspace, database: database)
        return (run, eval)
    }
}
