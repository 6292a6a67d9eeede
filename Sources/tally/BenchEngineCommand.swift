import ArgumentParser
import Foundation
import TallyEngine

/// `tally bench engine`: training and sampling throughput of the transformer engine on three GPT-2 configs.
struct BenchEngine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Benchmark the transformer engine (training, sampling, sgemm, memory).",
        discussion: """
            For each config (tiny, small, bpe: GPT-2 shapes of nanoGPT's CPU configs and a BPE vocabulary, trained on random tokens) prints one \
            JSON line: config, params, train_tokens_per_s (forward, backward, clipping and an AdamW step per \
            batch), gen_tokens_per_s_b1 and gen_tokens_per_s_b8 (an 8-token prompt and 64 new tokens, or as many \
            as the context holds), sgemm_gflops (measured in the same run), mfu, peak_rss_mb (while training), \
            micro_batch and openblas_core. Progress goes to standard error.
            """
    )

    @Option(name: .customLong("config"), help: "Only this config: tiny, small or bpe.")
    var configName: String?

    @Option(help: "Timed training steps per config (after one warm-up step).")
    var steps: Int = 10

    @Option(help: "Sequences per micro-batch (gradient accumulation); default keeps activations under 100 MB.")
    var microBatch: Int?

    @Flag(help: "Also report (on standard error) how training time splits over the engine's kernels.")
    var profile = false

    func validate() throws {
        if let configName, !BenchmarkConfiguration.all.contains(where: { $0.name == configName }) {
            throw ValidationError("unknown config \"\(configName)\"; use tiny, small or bpe")
        }
        if steps < 1 { throw ValidationError("--steps must be at least 1") }
        if let microBatch, microBatch < 1 { throw ValidationError("--micro-batch must be at least 1") }
    }

    func run() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for configuration in BenchmarkConfiguration.all where configName == nil || configName == configuration.name {
            if let microBatch, configuration.batchSize % microBatch != 0 {
                throw ValidationError(
                    "--micro-batch \(microBatch) does not divide \(configuration.name)'s batch "
                        + "of \(configuration.batchSize)")
            }
            let result = try EngineBenchmark.run(
                configuration, steps: steps, microBatch: microBatch,
                profile: profile
            ) { line in
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        }
    }
}
