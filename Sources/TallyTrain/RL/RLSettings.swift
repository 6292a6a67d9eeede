import Foundation
import TallyStore

/// The online RL algorithms `tally train ppo|grpo|rloo` run; they share rollouts, rewards and the session.
public enum RLAlgorithm: String, Codable, CaseIterable, Sendable {
    /// InstructGPT's PPO: per-token KL penalty in the reward, a value model, GAE, clipped policy and value losses.
    case ppo
    /// GRPO (DeepSeekMath): G samples per prompt, advantages normalised within the group, a token-level clipped
    /// loss with a k3 KL term, no value model.
    case grpo
    /// RLOO (Ahmadian et al. 2024): G samples per prompt, a leave-one-out baseline, a sequence-level ratio.
    case rloo

    /// The run kind (and checkpoint kind) it produces.
    public var trainingKind: TrainingKind {
        switch self {
        case .ppo: .ppo
        case .grpo: .grpo
        case .rloo: .rloo
        }
    }
}

/// How a token's KL to the reference is estimated from log π(y) and log π_ref(y) of the sampled token
/// (Schulman's estimators): k1 = log π − log π_ref (unbiased, can be negative); k3 = r − 1 − log r with
/// r = π_ref/π (unbiased, never negative, lower variance).
public enum KLEstimator: String, Codable, CaseIterable, Sendable {
    case k1, k3

    /// The estimate for one token.
    public func value(logProb: Double, reference: Double) -> Double {
        switch self {
        case .k1: return logProb - reference
        case .k3:
            let logRatio = reference - logProb
            return Foundation.exp(logRatio) - 1 - logRatio
        }
    }

    /// ∂(estimate)/∂ log π.
    public func derivative(logProb: Double, reference: Double) -> Double {
        switch self {
        case .k1: return 1
        case .k3: return 1 - Foundation.exp(reference - logProb)
        }
    }
}

/// Every setting of an RL run beyond the shared training options, with InstructGPT/TRL-like defaults
/// (``defaults(for:)``).
public struct RLSettings: Codable, Equatable, Sendable {
    public var algorithm: RLAlgorithm
    /// Prompts drawn (without replacement) from the train split per iteration.
    public var promptsPerIteration: Int
    /// Responses sampled per prompt (GRPO's and RLOO's group; 1 for PPO by default).
    public var groupSize: Int
    public var maxNewTokens: Int
    /// Sampling temperature of the rollouts (no top-k/top-p); the training forward divides logits by it too.
    public var temperature: Double
    /// Passes over each iteration's rollouts.
    public var ppoEpochs: Int
    /// Optimizer steps per pass: the rollouts are split into this many minibatches.
    public var miniBatches: Int
    /// PPO's and RLOO's KL penalty coefficient in the reward (the start value when adaptive).
    public var klCoef: Double
    /// PPO's per-token KL estimator in the reward.
    public var klEstimator: KLEstimator
    /// With a target, PPO's KL coefficient adapts (Ziegler et al. 2019) toward this sequence KL.
    public var klTarget: Double?
    /// The adaptive controller's horizon, in rollouts.
    public var klHorizon: Double
    /// GRPO's coefficient of the k3 KL term in the loss.
    public var beta: Double
    /// Subtracted from the score of a response that did not end with the end-of-turn token.
    public var missingEOSPenalty: Double?
    /// Scores are clipped to [−c, c] (PPO).
    public var rewardClip: Double?
    public var gamma: Double
    public var lambda: Double
    /// Whiten PPO's advantages (mean 0, variance 1) over the iteration's response tokens.
    public var whitenAdvantages: Bool
    public var clipRange: Double
    public var clipRangeValue: Double
    public var valueCoef: Double
    /// PPO-ptx: the coefficient of the language-model loss on the SFT demonstrations mixed into every step.
    public var ptxCoef: Double
    /// Held-out prompts the validation pass samples (gold and proxy reward, KL).
    public var evalPrompts: Int

    /// The defaults of `algorithm`.
    public static func defaults(for algorithm: RLAlgorithm) -> RLSettings {
        RLSettings(
            algorithm: algorithm, promptsPerIteration: algorithm == .ppo ? 64 : 16,
            groupSize: algorithm == .ppo ? 1 : 4, maxNewTokens: 64, temperature: 1,
            ppoEpochs: algorithm == .ppo ? 4 : 1, miniBatches: 1, klCoef: 0.05, klEstimator: .k1, klTarget: nil,
            klHorizon: 10_000, beta: 0.04, missingEOSPenalty: nil, rewardClip: algorithm == .ppo ? 10 : nil,
            gamma: 1, lambda: 0.95, whitenAdvantages: true, clipRange: 0.2, clipRangeValue: 0.2, valueCoef: 0.1,
            ptxCoef: 0, evalPrompts: 64)
    }

    /// Rollouts per iteration.
    public var rolloutsPerIteration: Int { promptsPerIteration * groupSize }
    /// Optimizer steps per iteration.
    public var stepsPerIteration: Int { ppoEpochs * miniBatches }

    /// Throws naming the first setting that cannot train.
    public func validate() throws {
        func require(_ ok: Bool, _ message: @autoclosure () -> String) throws {
            if !ok { throw TrainingError(message()) }
        }
        try require(promptsPerIteration > 0, "--prompts must be positive, got \(promptsPerIteration)")
        try require(groupSize > 0, "--group-size must be positive, got \(groupSize)")
        if algorithm != .ppo {
            try require(
                groupSize >= 2, "\(algorithm.rawValue) compares the responses of a group: --group-size must be ≥ 2")
        }
        try require(maxNewTokens > 0, "--max-new-tokens must be positive, got \(maxNewTokens)")
        try require(temperature > 0 && temperature.isFinite, "--temperature must be positive, got \(temperature)")
        try require(ppoEpochs > 0, "--ppo-epochs must be positive, got \(ppoEpochs)")
        try require(miniBatches > 0, "--mini-batches must be positive, got \(miniBatches)")
        try require(
            rolloutsPerIteration % miniBatches == 0,
            "--mini-batches \(miniBatches) must divide the \(rolloutsPerIteration) rollouts of an iteration "
                + "(--prompts × --group-size)")
        try require(klCoef >= 0 && klCoef.isFinite, "--kl-coef must be ≥ 0, got \(klCoef)")
        if let klTarget { try require(klTarget > 0, "--kl-target must be positive, got \(klTarget)") }
        try require(klHorizon > 0, "--kl-horizon must be positive, got \(klHorizon)")
        try require(beta >= 0 && beta.isFinite, "--beta must be ≥ 0, got \(beta)")
        if let rewardClip { try require(rewardClip > 0, "--reward-clip must be positive, got \(rewardClip)") }
        try require(gamma > 0 && gamma <= 1, "--gamma must be in (0, 1], got \(gamma)")
        try require(lambda >= 0 && lambda <= 1, "--lam must be in [0, 1], got \(lambda)")
        try require(clipRange > 0, "--cliprange must be positive, got \(clipRange)")
        try require(clipRangeValue > 0, "--cliprange-value must be positive, got \(clipRangeValue)")
        try require(valueCoef >= 0, "--vf-coef must be ≥ 0, got \(valueCoef)")
        try require(ptxCoef >= 0, "--ptx-coef must be ≥ 0, got \(ptxCoef)")
        try require(evalPrompts >= 0, "--eval-prompts must be ≥ 0, got \(evalPrompts)")
    }

    /// The settings as JSON (the run's recorded configuration).
    var jsonObject: [String: Any] {
        var object: [String: Any] = [
            "algorithm": algorithm.rawValue, "prompts_per_iteration": promptsPerIteration, "group_size": groupSize,
            "max_new_tokens": maxNewTokens, "temperature": temperature, "ppo_epochs": ppoEpochs,
            "mini_batches": miniBatches, "kl_coef": klCoef, "kl_estimator": klEstimator.rawValue,
            "kl_horizon": klHorizon, "beta": beta, "gamma": gamma, "lam": lambda,
            "whiten_advantages": whitenAdvantages, "cliprange": clipRange, "cliprange_value": clipRangeValue,
            "vf_coef": valueCoef, "ptx_coef": ptxCoef, "eval_prompts": evalPrompts,
        ]
        if let klTarget { object["kl_target"] = klTarget }
        if let missingEOSPenalty { object["missing_eos_penalty"] = missingEOSPenalty }
        if let rewardClip { object["reward_clip"] = rewardClip }
        return object
    }
}
