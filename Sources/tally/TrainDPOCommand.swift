import ArgumentParser
import Foundation
import TallyStore
import TallyTrain

/// `tally train dpo`: direct preference optimisation on the workspace's preference pairs.
struct TrainDPOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dpo",
        abstract: "Train a policy on the workspace's preference pairs with direct preference optimisation (DPO).",
        discussion: """
            Learns from the pairs the reward model sees (every ranking's non-tied pairs, comparisons won by A or B, \
            imported pairs; the eval split held out), without a reward model or sampling. With \
            h = [log π(c) − log π_ref(c)] − [log π(r) − log π_ref(r)] summed over the completion's tokens, --loss \
            sigmoid is −log σ(βh) (with --label-smoothing ε, the conservative −(1−ε) log σ(βh) − ε log σ(−βh)); \
            robust is [−(1−ε) log σ(βh) + ε log σ(−βh)] / (1 − 2ε); ipo is (h̄ − 1/(2β))² with each log-ratio \
            divided by its completion's length; hinge is max(0, 1 − βh). The reference is the starting checkpoint: \
            with --lora-rank the same weights with the adapters switched off, otherwise a frozen copy. \
            --precompute-ref computes its log-probabilities once before the first step and keeps them with the \
            run. After training: the KL of the policy to the reference on sampled completions of eval prompts, \
            and on a task-world workspace the oracle's eval beside the starting checkpoint's with the oracle's \
            win rate. Examples:
              tally train dpo                                     # from the newest sft, sigmoid, β 0.1
              tally train dpo --loss ipo --beta 0.5 --lora-rank 8 --precompute-ref --name dpo-ipo
            """
    )

    @OptionGroup var options: TrainOptions

    @Option(help: "sigmoid, robust, ipo or hinge.")
    var loss: String = DPOLossKind.sigmoid.rawValue

    @Option(help: "β: how far the policy may move from the reference (larger keeps it closer).")
    var beta: Double = 0.1

    @Option(help: "ε for the sigmoid loss's label smoothing (cDPO) and the robust loss: the share of flipped labels.")
    var labelSmoothing: Double = 0

    @Flag(help: "Compute the reference's log-probabilities once, before the first step, and keep them with the run.")
    var precomputeRef = false

    @Option(help: "Another checkpoint to use as the frozen reference (default: --from); full fine-tuning only.")
    var ref: String?

    @Option(help: "Cut rendered prompt + response to this many tokens (default: refuse pairs longer than the context).")
    var maxLength: Int?

    @Option(help: "Eval prompts whose sampled completions estimate the KL to the reference after training (0: skip).")
    var klPrompts: Int = 64

    @Option(help: "Task-world eval prompts per family for the oracle's eval after training (0: skip it).")
    var oraclePerFamily: Int = 20

    @Option(help: "Most tokens a response may have in the KL estimate and the oracle's eval.")
    var maxNewTokens: Int = 64

    @OptionGroup var workspaceOption: WorkspaceOption

    func validate() throws {
        guard DPOLossKind(rawValue: loss) != nil else {
            throw ValidationError("--loss must be sigmoid, robust, ipo or hinge, not \(loss)")
        }
        guard beta > 0 else { throw ValidationError("--beta must be positive") }
        guard labelSmoothing >= 0, labelSmoothing < 0.5 else {
            throw ValidationError("--label-smoothing must be in [0, 0.5)")
        }
        if let maxLength, maxLength < 2 { throw ValidationError("--max-length must be at least 2") }
        guard klPrompts >= 0, oraclePerFamily >= 0 else {
            throw ValidationError("--kl-prompts and --oracle-per-family must be ≥ 0")
        }
        guard maxNewTokens >= 1 else { throw ValidationError("--max-new-tokens must be at least 1") }
    }

    func run() throws {
        try reportingErrors {
            let (workspace, database) = try workspaceOption.open()
            defer { database.close() }
            let settings = DPOSettings(
                loss: DPOLossKind(rawValue: loss) ?? .sigmoid, beta: beta, labelSmoothing: labelSmoothing,
                precomputeReference: precomputeRef)
            let run = try DPOJob.prepare(
                options.request(defaultEpochs: 1, defaultLearningRate: 1e-4), settings: settings, reference: ref,
                maxLength: maxLength, workspace: workspace, database: database, log: options.note)
            let result = try TrainingRunner.train(run, options: options)
            var eval: [String: Any] = run.session?.lastEval ?? [:]
            var figures: [String: Double] = [:]
            if klPrompts > 0, let trainer = run.trainer as? DPOTrainer {
                var prompts = try database.prompts(split: .eval)
                if prompts.isEmpty { prompts = try database.prompts(split: .train).filter { $0.id % 10 == 0 } }
                let kl = try trainer.klToReference(
                    prompts: prompts.prefix(klPrompts).map(\.content), maxNewTokens: maxNewTokens, seed: options.seed)
                options.note(
                    String(
                        format: "KL to the reference: %.4f nats per completion (%d eval prompts, sampled at "
                            + "temperature 1)", kl, min(klPrompts, prompts.count)))
                figures["kl"] = kl
            }
            if oraclePerFamily > 0, try OracleComparison.isWorldWorkspace(database) {
                let comparison = try OracleComparison.run(
                    parent: run.parent.record.name, result: run.name, perFamily: oraclePerFamily, seed: options.seed,
                    maxNewTokens: maxNewTokens, workspace: workspace, database: database)
                if options.json { options.note(comparison.table) } else { print(comparison.table) }
                figures.merge(comparison.metrics) { _, new in new }
            }
            try run.session?.record(step: result.steps, metrics: figures.mapKeys { $0 == "kl" ? "final/kl" : $0 })
            for (key, value) in figures { eval[key] = value }
            if options.json {
                print(
                    TrainingRunner.jsonLine(
                        runID: run.session?.runID, checkpoint: run.name, kind: "dpo", steps: result.steps,
                        metrics: result.metrics, eval: eval))
            }
        }
    }
}
