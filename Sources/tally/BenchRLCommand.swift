import ArgumentParser
import Foundation
import TallyEngine
import TallyTrain

/// `tally bench rl`: seconds of one PPO, GRPO and RLOO iteration, and rollout tokens/s, against TRL's.
struct BenchRL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rl",
        abstract:
            "Benchmark one RL iteration (PPO, GRPO, RLOO) and its rollout tokens/s, as BENCH.md compares with TRL.",
        discussion: """
            Runs the RL trainer of `tally train ppo|grpo|rloo` on the bundled base model (GPT-2 4×128, context \
            128) and BENCH.md's small shape with the same vocabulary and tokenizer (GPT-2 6×384, context 256, \
            randomly initialised), without a workspace: task-world train prompts made from --seed and rendered \
            with the chat template, a frozen copy of the policy as the reference, a reward model with a fresh \
            scalar head on the same checkpoint, and for PPO a value model with another.

            Configurations: ppo is issue 12's iteration (64 prompts × 64 new tokens, a value model, 4 PPO \
            epochs of one minibatch); grpo and rloo are BENCH.md's TRL configuration (16 prompts × a group of 4, \
            64 new tokens, one update). Rollouts in micro-batches of 16 per forward/backward, clipping to norm 1 \
            and AdamW, as `tally train` runs them. Untrained models rarely end a response early; to make every \
            response exactly --new-tokens long, as the TRL peer's, the end-of-turn stops are off.

            Prints one JSON line per configuration and model: iteration_s (the median over --iterations timed \
            iterations) and iteration_s_worst; rollout_s (the trainer's rollout phase: sampling, reference and \
            value forwards, reward) and update_s (the optimizer steps); sampling_tokens_per_s (response tokens \
            per second of sampling alone) and rollout_tokens_per_s; sampling_s, reference_value_s and reward_s \
            (the rollout phase timed apart after each iteration); mean_response_tokens, params. Progress goes to \
            standard error.

            --export DIR first writes the prompts (prompts.jsonl), each model in Hugging Face's layout (DIR/base, \
            DIR/small), its reward model (DIR/base-rm, DIR/small-rm) and bench-rl.json, for the peer:
              python3 scripts/bench_peer_trl_rl.py --data DIR
            """
    )

    @Option(help: "The configuration to measure: ppo, grpo, rloo or all.")
    var config: String = "all"

    @Option(help: "The model: base (the bundled model), small (6×384, random) or all.")
    var modelShape: String = "all"

    @Option(help: ArgumentHelp("The bundled base model's folder.", valueName: "dir"))
    var model: String = "datasets/base-model"

    @Option(help: "Timed iterations per configuration and model.")
    var iterations: Int = 5

    @Option(help: "Untimed iterations before the timed ones.")
    var warmup: Int = 1

    @Option(help: "Tokens every response runs to.")
    var newTokens: Int = 64

    @Option(help: "Seeds the prompts, the small model's weights, the reward and value heads and the rollouts.")
    var seed: UInt64 = 1

    @Option(
        help: ArgumentHelp(
            "Also write the prompts, the models, their reward models and the settings here for the TRL peer.",
            valueName: "dir"))
    var export: String?

    @Flag(help: "Also report (on standard error) how the iterations' and sampling's time split over the kernels.")
    var profile = false

    func validate() throws {
        guard config == "all" || BenchmarkedRL(rawValue: config) != nil else {
            throw ValidationError("unknown configuration \"\(config)\"; use ppo, grpo, rloo or all")
        }
        guard ["base", "small", "all"].contains(modelShape) else {
            throw ValidationError("unknown model shape \"\(modelShape)\"; use base, small or all")
        }
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
        guard warmup >= 0 else { throw ValidationError("--warmup must not be negative") }
        guard newTokens >= 1 else { throw ValidationError("--new-tokens must be at least 1") }
    }

    func run() throws {
        try reportingErrors {
            let settings = RLBenchmarkSettings(
                iterations: iterations, warmupIterations: warmup, newTokens: newTokens, seed: seed)
            let base = try TrainerBenchmarkModel.base(from: URL(fileURLWithPath: model, isDirectory: true))
            var models: [TrainerBenchmarkModel] = []
            if modelShape != "small" { models.append(base) }
            if modelShape != "base" { models.append(try TrainerBenchmarkModel.small(like: base, seed: seed)) }
            // Prompts that fit the base model's context (the shorter), so that both shapes sample from the same.
            let prompts = try RLBenchmarkPrompts.generate(for: [base], settings: settings)
            if let export {
                let folder = URL(fileURLWithPath: export, isDirectory: true)
                try prompts.export(to: folder, models: models, settings: settings)
                TerminalText.printError(
                    "wrote the prompts, \(models.map(\.name).joined(separator: " and ")), their reward models and "
                        + "bench-rl.json to \(folder.path)/; run: python3 scripts/bench_peer_trl_rl.py --data \(export)"
                )
            }
            let configs = BenchmarkedRL.allCases.filter { config == "all" || $0.rawValue == config }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            for benchmarked in configs {
                for benchmarkModel in models {
                    let result = try RLBenchmark.run(
                        benchmarked, model: benchmarkModel, prompts: prompts, settings: settings, profile: profile,
                        progress: TerminalText.printError)
                    print(String(decoding: try encoder.encode(result), as: UTF8.self))
                }
            }
        }
    }
}
