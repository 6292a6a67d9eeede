import ArgumentParser
import Foundation
import TallyStore
import TallyTrain

/// The options `tally train ppo`, `grpo` and `rloo` share.
struct RLOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "What scores the rollouts: rm:CHECKPOINT (a reward model's normalised score) or oracle (the task "
                + "world's oracle, a verifiable reward). Default: the newest reward model.",
            valueName: "rm:CHECKPOINT|oracle"))
    var reward: String?

    @Option(help: "RL iterations: each samples the rollouts, then takes --ppo-epochs × --mini-batches steps.")
    var iterations: Int = 20

    @Option(help: "Train prompts an iteration samples (without replacement).")
    var prompts: Int?

    @Option(help: "Responses sampled per prompt.")
    var groupSize: Int?

    @Option(help: "Most tokens a response may have.")
    var maxNewTokens: Int = 64

    @Option(help: "Sampling temperature of the rollouts (no top-k or top-p during RL).")
    var temperature: Double = 1

    @Option(help: "Passes over an iteration's rollouts.")
    var ppoEpochs: Int?

    @Option(help: "Optimizer steps per pass: the rollouts are split into this many minibatches.")
    var miniBatches: Int = 1

    @Option(help: "The policy-loss clip range ε: ratios outside [1−ε, 1+ε] stop pulling.")
    var cliprange: Double = 0.2

    @Option(help: "Subtracted from the score of a response the token budget cut off (no end-of-turn).")
    var missingEosPenalty: Double?

    @Option(help: "Another checkpoint as the frozen reference (default: --from); full fine-tuning only.")
    var ref: String?

    @Option(help: "Held-out eval prompts the validation pass samples (gold and proxy reward, KL).")
    var evalPrompts: Int = 64

    @Option(help: "Task-world eval prompts per family for the oracle's eval after training (0: skip it).")
    var oraclePerFamily: Int = 20

    func validate() throws {
        guard iterations > 0 else { throw ValidationError("--iterations must be positive") }
        if let prompts, prompts <= 0 { throw ValidationError("--prompts must be positive") }
        if let groupSize, groupSize <= 0 { throw ValidationError("--group-size must be positive") }
        guard maxNewTokens > 0 else { throw ValidationError("--max-new-tokens must be positive") }
        guard temperature > 0 else { throw ValidationError("--temperature must be positive") }
        if let ppoEpochs, ppoEpochs <= 0 { throw ValidationError("--ppo-epochs must be positive") }
        guard miniBatches > 0 else { throw ValidationError("--mini-batches must be positive") }
        guard evalPrompts >= 0, oraclePerFamily >= 0 else {
            throw ValidationError("--eval-prompts and --oracle-per-family must be ≥ 0")
        }
    }

    /// The settings of `algorithm`: its defaults, then these options.
    func settings(_ algorithm: RLAlgorithm) -> RLSettings {
        var settings = RLSettings.defaults(for: algorithm)
        settings.promptsPerIteration = prompts ?? settings.promptsPerIteration
        settings.groupSize = groupSize ?? settings.groupSize
        settings.maxNewTokens = maxNewTokens
        settings.temperature = temperature
        settings.ppoEpochs = ppoEpochs ?? settings.ppoEpochs
        settings.miniBatches = miniBatches
        settings.clipRange = cliprange
        settings.missingEOSPenalty = missingEosPenalty
        settings.evalPrompts = evalPrompts
        return settings
    }

    /// `--reward`, or the newest reward model.
    func rewardSource(_ database: TallyDatabase) throws -> RLRewardSource {
        if let reward { return try RLRewardSource(parsing: reward) }
        guard let newest = try database.newestCheckpoint(kinds: [.rm]) else {
            throw CommandError(
                "the workspace has no reward model to score rollouts; train one with `tally train rm`, or pass "
                    + "--reward oracle on task-world prompts")
        }
        return .rewardModel(newest.name)
    }
}

/// Runs one RL command: the job, the session, the oracle's comparison and `--json`.
enum RLCommandRunner {
    static func run(
        _ algorithm: RLAlgorithm, settings: RLSettings, rl: RLOptions, options: TrainOptions, valueFrom: String?,
        workspaceOption: WorkspaceOption
    ) throws {
        guard options.epochs == nil, options.steps == nil, options.batch == 8, !options.truncate else {
            throw CommandError(
                "\(algorithm.rawValue) counts --iterations, not --epochs or --steps; its batch is --prompts × "
                    + "--group-size rollouts split into --mini-batches (and prompts that do not fit are left out, so "
                    + "--truncate does not apply)")
        }
        let (workspace, database) = try workspaceOption.open()
        defer { database.close() }
        let run = try RLJob.prepare(
            options.request(
                defaultEpochs: 1,
                // PPO takes --ppo-epochs (4) steps an iteration; GRPO and RLOO one.
                defaultLearningRate: algorithm == .ppo ? 3e-5 : 1e-4), settings: settings,
            reward: try rl.rewardSource(database), reference: rl.ref, valueFrom: valueFrom,
            iterations: rl.iterations, workspace: workspace, database: database, log: options.note)
        let result = try TrainingRunner.train(run, options: options)
        try TrainingRunner.report(
            run, result: result, kind: algorithm.rawValue, options: options, oraclePerFamily: rl.oraclePerFamily,
            maxNewTokens: settings.maxNewTokens, workspace: workspace, database: database)
    }

    static let sharedDiscussion = """
        Each iteration samples --group-size responses to each of --prompts train prompts (batched, KV-cached, at \
        --temperature), scores them with --reward, takes the reference's log-probabilities, then makes \
        --ppo-epochs passes of --mini-batches optimizer steps over them. The importance ratio uses the \
        log-probabilities of the distribution the tokens were sampled from. Whichever of the reward model and the \
        oracle does not train is logged beside the one that does (reward/proxy, reward/gold), so \
        `tally runs show` draws gold and proxy reward against the KL to the reference: the over-optimisation curve. \
        --eval-every and --save-every count iterations here; Ctrl-C stops at the end of the current iteration, \
        and the same command resumes. The learning rate stays constant after --warmup (default none): --lr \
        defaults to 3e-5 for PPO and 1e-4 for GRPO and RLOO (×10 with LoRA).
        """
}

/// `tally train ppo`.
struct TrainPPOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ppo",
        abstract: "Train a policy with PPO against a reward model (InstructGPT's RLHF), with a value model.",
        discussion: RLCommandRunner.sharedDiscussion + """

            PPO adds a per-token KL penalty to the reward (−kl_coef · KL_t, --kl-estimator k1 or k3; with \
            --kl-target the coefficient adapts as Ziegler et al.), the score at the last token (clipped to \
            ±--reward-clip, less --missing-eos-penalty for a response that did not end), a value model started from \
            the reward model (separate weights; LoRA on both with --lora-rank), GAE (--gamma, --lam), whitened \
            advantages, the clipped policy loss and the clipped value loss ×--vf-coef, and with --ptx-coef the \
            language-model loss on the SFT demonstrations (PPO-ptx). The value model is saved in \
            checkpoints/NAME/value/ and registered as NAME-value. Examples:
              tally train ppo                                  # from the newest sft against the newest rm
              tally train ppo --reward rm:rm --kl-target 6 --ptx-coef 1 --iterations 50
            """
    )

    @OptionGroup var rl: RLOptions

    @Option(help: "The KL penalty coefficient (the start value with --kl-target).")
    var klCoef: Double = 0.05

    @Option(help: "The per-token KL estimator in the penalty: k1 (log π − log π_ref) or k3.")
    var klEstimator: String = KLEstimator.k1.rawValue

    @Option(help: "Adapt the KL coefficient toward this KL per response (Ziegler et al.).")
    var klTarget: Double?

    @Option(help: "The adaptive controller's horizon, in rollouts.")
    var klHorizon: Double = 10_000

    @Option(help: "Clip scores to [−c, c].")
    var rewardClip: Double = 10

    @Option(help: "GAE's discount.")
    var gamma: Double = 1

    @Option(help: "GAE's λ.")
    var lam: Double = 0.95

    @Flag(inversion: .prefixedNo, help: "Whiten the advantages over each iteration's response tokens.")
    var whitenAdvantages = true

    @Option(help: "The value-loss clip range around the rollout's values.")
    var cliprangeValue: Double = 0.2

    @Option(help: "The value loss's weight.")
    var vfCoef: Double = 0.1

    @Option(help: "PPO-ptx: the weight of the language-model loss on the SFT demonstrations (0: off).")
    var ptxCoef: Double = 0

    @Option(help: "The value model's start: a reward model or value checkpoint (default: the reward model).")
    var valueFrom: String?

    @OptionGroup var options: TrainOptions
    @OptionGroup var workspaceOption: WorkspaceOption

    func validate() throws {
        guard KLEstimator(rawValue: klEstimator) != nil else {
            throw ValidationError("--kl-estimator must be k1 or k3, not \(klEstimator)")
        }
    }

    func run() throws {
        try reportingErrors {
            var settings = rl.settings(.ppo)
            settings.klCoef = klCoef
            settings.klEstimator = KLEstimator(rawValue: klEstimator) ?? .k1
            settings.klTarget = klTarget
            settings.klHorizon = klHorizon
            settings.rewardClip = rewardClip
            settings.gamma = gamma
            settings.lambda = lam
            settings.whitenAdvantages = whitenAdvantages
            settings.clipRangeValue = cliprangeValue
            settings.valueCoef = vfCoef
            settings.ptxCoef = ptxCoef
            try RLCommandRunner.run(
                .ppo, settings: settings, rl: rl, options: options, valueFrom: valueFrom,
                workspaceOption: workspaceOption)
        }
    }
}

/// `tally train grpo`.
struct TrainGRPOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grpo",
        abstract: "Train a policy with GRPO: groups of samples per prompt, no value model.",
        discussion: RLCommandRunner.sharedDiscussion + """

            GRPO's advantage is each response's score minus its group's mean, over the group's standard deviation; \
            the loss is the clipped surrogate on every token, averaged over the step's tokens, plus --beta × the k3 \
            estimate of the KL to the reference. Examples:
              tally train grpo --reward oracle                 # verifiable reward, as DeepSeek-R1's rule rewards
              tally train grpo --reward rm:rm --group-size 8 --beta 0.02
            """
    )

    @OptionGroup var rl: RLOptions

    @Option(help: "The weight of the k3 KL term in the loss.")
    var beta: Double = 0.04

    @OptionGroup var options: TrainOptions
    @OptionGroup var workspaceOption: WorkspaceOption

    func run() throws {
        try reportingErrors {
            var settings = rl.settings(.grpo)
            settings.beta = beta
            try RLCommandRunner.run(
                .grpo, settings: settings, rl: rl, options: options, valueFrom: nil, workspaceOption: workspaceOption)
        }
    }
}

/// `tally train rloo`.
struct TrainRLOOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rloo",
        abstract: "Train a policy with RLOO: a leave-one-out baseline over each prompt's samples.",
        discussion: RLCommandRunner.sharedDiscussion + """

            RLOO's reward is the score less --kl-coef × the response's KL to the reference; its advantage is that \
            reward minus the mean of the other responses to the same prompt; the loss is the clipped surrogate of \
            the sequence's ratio. Examples:
              tally train rloo --reward oracle
              tally train rloo --group-size 4 --kl-coef 0.02
            """
    )

    @OptionGroup var rl: RLOptions

    @Option(help: "The KL penalty coefficient in the reward.")
    var klCoef: Double = 0.05

    @OptionGroup var options: TrainOptions
    @OptionGroup var workspaceOption: WorkspaceOption

    func run() throws {
        try reportingErrors {
            var settings = rl.settings(.rloo)
            settings.klCoef = klCoef
            try RLCommandRunner.run(
                .rloo, settings: settings, rl: rl, options: options, valueFrom: nil, workspaceOption: workspaceOption)
        }
    }
}
