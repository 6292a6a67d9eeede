import ArgumentParser
import Foundation
import TallyEngine
import TallyTrain

/// `tally bench train`: sequences per second of the SFT and reward-model trainers, against TRL's.
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Benchmark the SFT, reward-model and DPO trainers (sequences/s), as BENCH.md compares them with TRL.",
        discussion: """
            Fine-tunes the bundled base model (GPT-2 4×128, context 128) and BENCH.md's small shape with the same \
            vocabulary and tokenizer (GPT-2 6×384, context 256, randomly initialised) on task-world examples made \
            from --seed: one demonstration per SFT example, two oracle-ordered responses per reward-model pair. \
            Full fine-tuning, batch 8 in one forward/backward pass, clipping to norm 1 and an AdamW step, as \
            `tally train` does; --warmup untimed steps, then --steps timed ones, each on a fresh batch.

            Prints one JSON line per trainer and model: bench, impl, trainer, model, sequences_per_s (a preference \
            pair counts as one sequence, as in BENCH.md and TRL's batch of 8 pairs), tokens_per_s and mean_tokens \
            (every sequence the model reads: both responses of a pair, each with its prompt; no padding), steps, \
            batch, params, seconds. Progress goes to standard error.

            --export DIR first writes the same examples in TRL's conversational formats (sft.jsonl, rm.jsonl), \
            the models in Hugging Face's layout (DIR/base, DIR/small) and bench.json, for the peer:
              python3 scripts/bench_peer_trl.py --data DIR
            """
    )

    @Option(help: "The trainer to measure: sft, rm, dpo or all (a preference pair counts as one sequence).")
    var trainer: String = "all"

    @Option(help: "The model to fine-tune: base (the bundled model), small (6×384, random) or all.")
    var modelShape: String = "all"

    @Option(help: ArgumentHelp("The bundled base model's folder.", valueName: "dir"))
    var model: String = "datasets/base-model"

    @Option(help: "Timed optimizer steps per trainer and model.")
    var steps: Int = 40

    @Option(help: "Untimed optimizer steps before the timed ones.")
    var warmup: Int = 3

    @Option(help: "Seeds the examples, the small model's weights and the reward head.")
    var seed: UInt64 = 1

    @Option(
        help: ArgumentHelp(
            "Also write the examples, the models and the settings here for the TRL peer.",
            valueName: "dir"))
    var export: String?

    @Flag(help: "Also report (on standard error) how the timed steps' time splits over the phases and kernels.")
    var profile = false

    func validate() throws {
        guard trainer == "all" || BenchmarkedTrainer(rawValue: trainer) != nil else {
            throw ValidationError("unknown trainer \"\(trainer)\"; use sft, rm, dpo or all")
        }
        guard ["base", "small", "all"].contains(modelShape) else {
            throw ValidationError("unknown model shape \"\(modelShape)\"; use base, small or all")
        }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1") }
        guard warmup >= 0 else { throw ValidationError("--warmup must not be negative") }
    }

    func run() throws {
        try reportingErrors {
            let settings = TrainerBenchmarkSettings(steps: steps, warmupSteps: warmup, seed: seed)
            let base = try TrainerBenchmarkModel.base(from: URL(fileURLWithPath: model, isDirectory: true))
            var models: [TrainerBenchmarkModel] = []
            if modelShape != "small" { models.append(base) }
            if modelShape != "base" { models.append(try TrainerBenchmarkModel.small(like: base, seed: seed)) }
            // Examples that fit the base model's context (the shorter), so that both shapes, whichever run,
            // train on the same ones.
            let data = try TrainerBenchmark.data(for: [base], settings: settings)
            if let export {
                let folder = URL(fileURLWithPath: export, isDirectory: true)
                try TrainerBenchmark.export(to: folder, models: models, data: data, settings: settings)
                TerminalText.printError(
                    "wrote the examples, \(models.map(\.name).joined(separator: " and ")) and bench.json to "
                        + "\(folder.path)/; run: python3 scripts/bench_peer_trl.py --data \(export)")
            }
            let trainers = BenchmarkedTrainer.allCases.filter { trainer == "all" || $0.rawValue == trainer }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            for benchmarked in trainers {
                for benchmarkModel in models {
                    let result = try TrainerBenchmark.run(
                        benchmarked, model: benchmarkModel, data: data, settings: settings, profile: profile,
                        progress: TerminalText.printError)
                    print(String(decoding: try encoder.encode(result), as: UTF8.self))
                }
            }
        }
    }
}
