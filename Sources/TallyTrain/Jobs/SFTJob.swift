import Foundation
import TallyEngine
import TallyStore

/// `tally train sft`: supervised fine-tuning on the workspace's demonstrations (and, on request, the best
/// response of each ranking and comparison), from a policy checkpoint (default: the newest base).
public enum SFTJob {
    /// Loads the data and the parent, and opens (or resumes) the run. Throws a one-line error for a workspace
    /// without demonstrations, a parent of the wrong kind, or examples that do not fit the context.
    public static func prepare(
        _ request: TrainingRequest, includeChosen: Bool, workspace: Workspace, database: TallyDatabase,
        log: (String) -> Void = { _ in }
    ) throws -> PreparedRun {
        try request.validate()
        let parent = try ParentCheckpoint.load(
            request.from, defaultKinds: [.base], allowed: Set(CheckpointKind.allCases.filter(\.isPolicy)),
            role: "--from", purpose: "supervised fine-tuning", workspace: workspace, database: database)
        var examples = try database.demonstrationExamples()
        let demonstrations = examples.count
        if includeChosen {
            for ranked in try database.rankedExamples() where !ranked.noneAcceptable {
                for best in ranked.tiers[0] {
                    examples.append(
                        DemonstrationExample(
                            promptID: ranked.promptID, prompt: ranked.prompt, completion: ranked.responses[best],
                            split: ranked.split, promptSource: ranked.promptSource,
                            origin: "chosen-" + ranked.origin.rawValue))
                }
            }
        }
        guard !examples.isEmpty else {
            throw TrainingError(
                "the workspace has no demonstrations to fine-tune on; write some in `tally label`, run "
                    + "`tally simulate`, or pass --include-chosen to train on the best ranked responses")
        }
        let (train, eval, heldOut) = splitTrainEval(examples, split: \.split, promptID: \.promptID)
        guard !train.isEmpty else {
            throw TrainingError(
                "all \(examples.count) demonstrations are on eval or test prompts; SFT needs train-split ones")
        }
        var notes = [
            "\(train.count) training examples (\(demonstrations) demonstrations"
                + (includeChosen ? ", \(examples.count - demonstrations) best ranked responses" : "")
                + ", all splits), \(eval.count) held out for validation"
                + (heldOut ? " (a tenth of the train prompts: the workspace has no eval-split demonstrations)" : "")
        ]
        let name = try request.name ?? defaultCheckpointName(for: .sft, database: database)
        let modelConfig = try parent.checkpoint.modelConfig()
        let (config, fingerprint) = try PreparedRun.configuration([
            "kind": "sft", "name": name,
            "parents": ["init": ["name": parent.record.name, "sha256": parent.record.sha256]],
            "training": request.jsonObject, "include_chosen": includeChosen,
            "data": [
                "train": train.count, "eval": eval.count,
                "sha256": PreparedRun.digest((train + eval).map { "\($0.promptID)\u{1F}\($0.completion)" }),
            ],
            "model": ["layers": modelConfig.layers, "width": modelConfig.width, "context": modelConfig.contextLength],
        ])
        let start = try TrainingSession.prepare(
            workspace: workspace, database: database, name: name, kind: .sft, fingerprint: fingerprint,
            fresh: request.fresh, log: log)
        if let step = start.resumeCheckpoint?.trainerState?.step { notes.append("resuming \(name) from step \(step)") }
        return try PreparedRun.make(
            name: name, parent: parent, start: start,
            trainer: {
                let model = try PreparedRun.model(start: start, request: request) {
                    try parent.checkpoint.makeModel()
                }
                return try SFTTrainer(
                    model: model, tokenizer: parent.checkpoint.tokenizer, train: train, eval: eval,
                    truncate: request.truncate)
            }, request: request, outputKind: .sft, parents: TrainingRunParents(initial: parent.record.id),
            config: config, fingerprint: fingerprint, notes: notes, workspace: workspace, database: database)
    }
}
