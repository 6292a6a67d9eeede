import COpenBLAS
import Foundation

/// One of the project's engine benchmark configurations: a GPT-2 shape and its training batch.
public struct BenchmarkConfiguration: Sendable {
    public var name: String
    public var model: ModelConfig
    public var batchSize: Int

    /// The project's benchmark configs: nanoGPT's CPU Shakespeare model, its "baby GPT", and a BPE-vocabulary
    /// model.
    public static let all: [BenchmarkConfiguration] = [
        BenchmarkConfiguration(
            name: "tiny", model: .gpt2(vocabularySize: 65, contextLength: 64, layers: 4, heads: 4, width: 128),
            batchSize: 12),
        BenchmarkConfiguration(
            name: "small", model: .gpt2(vocabularySize: 65, contextLength: 256, layers: 6, heads: 6, width: 384),
            batchSize: 8),
        BenchmarkConfiguration(
            name: "bpe", model: .gpt2(vocabularySize: 8192, contextLength: 256, layers: 4, heads: 4, width: 256),
            batchSize: 8),
    ]
}

/// The figures `tally bench engine` prints for one configuration (one JSON line, snake_case keys).
public struct EngineBenchmarkResult: Codable, Sendable {
    public var config: String
    public var params: Int
    /// Training tokens per second: forward, backward, gradient clipping and an AdamW step per batch.
    public var trainTokensPerS: Double
    /// Sampling tokens per second at batch 1 and 8 (8-token prompt, 64 new tokens, KV cache).
    public var genTokensPerSB1: Double
    public var genTokensPerSB8: Double
    /// sgemm FLOP/s on a GPT-shaped product (2048×1152×384), measured in the same run.
    public var sgemmGflops: Double
    /// Model FLOP utilisation: (6N + 12·L·C·T) × tokens/s ÷ the sgemm FLOP/s.
    public var mfu: Double
    /// Peak resident memory (MB) while this configuration ran.
    public var peakRssMb: Double
    public var microBatch: Int
    public var openblasCore: String

    enum CodingKeys: String, CodingKey {
        case config, params
        case trainTokensPerS = "train_tokens_per_s"
        case genTokensPerSB1 = "gen_tokens_per_s_b1"
        case genTokensPerSB8 = "gen_tokens_per_s_b8"
        case sgemmGflops = "sgemm_gflops"
        case mfu
        case peakRssMb = "peak_rss_mb"
        case microBatch = "micro_batch"
        case openblasCore = "openblas_core"
    }
}

/// Measures the engine on a configuration: training throughput, sampling throughput, sgemm speed, memory.
public enum EngineBenchmark {
    /// Runs the benchmark for `configuration`: `steps` timed training steps after one warm-up step, with the
    /// batch processed in micro-batches of `microBatch` sequences (nil: chosen to keep activations small).
    /// With `profile`, reports through `progress` how the timed training steps' time splits over the kinds of
    /// kernels (see ``EngineProfile``).
    public static func run(
        _ configuration: BenchmarkConfiguration, steps: Int, microBatch: Int?,
        profile: Bool = false,
        progress: (String) -> Void = { _ in }
    ) throws -> EngineBenchmarkResult {
        resetPeakMemory()
        // The machine may be shared: sgemm is measured right before and right after training, averaged.
        let gflopsBefore = sgemmGigaflops()
        let config = configuration.model
        let micro = microBatch ?? defaultMicroBatch(configuration)
        var trainRate: Double = 0
        var parameterCount = 0
        do {
            let model = try TransformerModel(config: config, seed: 1)
            parameterCount = model.parameterCount
            trainRate = try trainingTokensPerSecond(
                model: model, configuration: configuration, steps: steps,
                microBatch: micro, profile: profile, progress: progress)
        }
        let gflops = (gflopsBefore + sgemmGigaflops()) / 2
        progress("\(configuration.name): sgemm \(String(format: "%.1f", gflops)) GFLOP/s")
        let peak = peakMemoryMegabytes()
        let sampling = try generationTokensPerSecond(config: config)
        let flopsPerToken = trainingFlopsPerToken(config)
        let mfu = trainRate * flopsPerToken / (gflops * 1e9)
        return EngineBenchmarkResult(
            config: configuration.name, params: parameterCount, trainTokensPerS: trainRate,
            genTokensPerSB1: sampling.batch1, genTokensPerSB8: sampling.batch8, sgemmGflops: gflops, mfu: mfu,
            peakRssMb: peak, microBatch: micro, openblasCore: OpenBLASChoice.coreName)
    }

    /// 6N + 12·L·C·T with N the parameters without position embeddings, L layers, C width, T context (the
    /// project's benchmark formula).
    public static func trainingFlopsPerToken(_ config: ModelConfig) -> Double {
        let positions = config.architecture == .gpt2 ? config.contextLength * config.width : 0
        let n = Double(ParameterLayout(config: config, scalarHead: false).count - positions)
        return 6 * n + 12 * Double(config.layers * config.width * config.contextLength)
    }

    /// Sequences per micro-batch: the largest divisor of the batch whose activations stay within 100 MB.
    static func defaultMicroBatch(_ configuration: BenchmarkConfiguration) -> Int {
        var best = 1
        for candidate in 1...configuration.batchSize where configuration.batchSize % candidate == 0 {
            let layout = ActivationLayout(
                config: configuration.model, batch: candidate,
                length: configuration.model.contextLength, loraRank: 0)
            if layout.count * 4 <= 100_000_000 { best = candidate }
        }
        return best
    }

    static func trainingTokensPerSecond(
        model: TransformerModel, configuration: BenchmarkConfiguration, steps: Int,
        microBatch: Int, profile: Bool, progress: (String) -> Void
    ) throws -> Double {
        let config = configuration.model
        let T = config.contextLength
        let B = configuration.batchSize
        var random = EngineRandom(seed: 7)
        var microBatches: [TokenBatch] = []
        for _ in 0..<(B / microBatch) {
            var tokens: [Int32] = []
            var targets: [Int32] = []
            for _ in 0..<microBatch {
                let sequence = (0...T).map { _ in Int32(random.next() % UInt64(config.vocabSize)) }
                tokens += sequence[0..<T]
                targets += sequence[1...T]
            }
            microBatches.append(TokenBatch(batchSize: microBatch, length: T, tokens: tokens, targets: targets))
        }
        model.reserve(batchSize: microBatch, length: T)
        let optimizer = AdamW(model: model)
        let schedule = LearningRateSchedule(peak: 1e-3, warmupSteps: 10, totalSteps: steps + 1, minimum: 1e-4)
        func step() throws -> Float {
            model.zeroGradients()
            var loss: Float = 0
            for micro in microBatches {
                loss += try model.trainLanguageModel(micro, normalizer: B * T) / Float(microBatches.count)
            }
            optimizer.clipGradients(maxNorm: 1)
            optimizer.step(learningRate: schedule.rate(at: optimizer.stepCount))
            return loss
        }
        _ = try step()  // warm-up: first touches, OpenBLAS buffers
        EngineProfile.reset()
        EngineProfile.enabled = profile
        defer { EngineProfile.enabled = false }
        let start = DispatchTime.now().uptimeNanoseconds
        var loss: Float = 0
        for index in 0..<steps {
            loss = try step()
            if (index + 1) % max(1, steps / 4) == 0 {
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                progress(
                    "\(configuration.name): step \(index + 1)/\(steps), loss \(String(format: "%.3f", loss)), "
                        + "\(String(format: "%.0f", Double((index + 1) * B * T) / elapsed)) tok/s")
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if profile {
            let parts = EngineProfile.seconds.filter { $0.seconds > 0 }
            let accounted = parts.reduce(0) { $0 + $1.seconds }
            let split = parts.map { "\($0.part) \(String(format: "%.1f", 100 * $0.seconds / seconds))%" }
            progress(
                "\(configuration.name): training time: " + split.joined(separator: ", ")
                    + ", other \(String(format: "%.1f", 100 * (seconds - accounted) / seconds))%")
        }
        return Double(steps * B * T) / seconds
    }

    /// New tokens per second sampling 64 tokens after an 8-token prompt (multinomial sampling at
    /// temperature 1, no stop token), at batch 1 and 8; the median of three runs after a warm-up.
    static func generationTokensPerSecond(config: ModelConfig) throws -> (batch1: Double, batch8: Double) {
        let model = try TransformerModel(config: config, seed: 1)
        var random = EngineRandom(seed: 11)
        func rate(batch: Int) throws -> Double {
            let prompts = (0..<batch).map { _ in (0..<8).map { _ in Int32(random.next() % UInt64(config.vocabSize)) } }
            let settings = SamplingSettings(maxNewTokens: 64, temperature: 1, seed: 5, stopTokens: [])
            _ = try model.generate(prompts: prompts, settings: settings)
            var rates: [Double] = []
            for _ in 0..<3 {
                let start = DispatchTime.now().uptimeNanoseconds
                let outputs = try model.generate(prompts: prompts, settings: settings)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                rates.append(Double(outputs.reduce(0) { $0 + $1.tokens.count }) / seconds)
            }
            return rates.sorted()[1]
        }
        return (try rate(batch: 1), try rate(batch: 8))
    }

    /// FLOP/s of sgemm on 2048×1152×384 (a GPT-shaped product: rows × 3C × C for C = 384) on all cores: the
    /// better of the engine's own split (one OpenBLAS thread per core, as the engine runs) and OpenBLAS's
    /// threads, so that MFU is measured against the fastest sgemm this machine offers.
    public static func sgemmGigaflops(m: Int = 2048, n: Int = 1152, k: Int = 384, repetitions: Int = 20) -> Double {
        let a = UnsafeMutablePointer<Float>.allocate(capacity: m * k)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: n * k)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
        defer {
            a.deallocate()
            b.deallocate()
            c.deallocate()
        }
        var random = EngineRandom(seed: 3)
        for i in 0..<(m * k) { a[i] = random.nextUniform() - 0.5 }
        for i in 0..<(n * k) { b[i] = random.nextUniform() - 0.5 }
        c.initialize(repeating: 0, count: m * n)
        func fastest(_ product: () -> Void) -> Double {
            product()
            var best = Double.infinity
            for _ in 0..<3 {
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<repetitions { product() }
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            return best
        }
        let split = fastest {
            matrixProduct(.plain, .transposed, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: k, beta: 0, c: c, ldc: n)
        }
        openblas_set_num_threads(Int32(ComputeThreads.count))
        let threaded = fastest {
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(k),
                0, c, Int32(n))
        }
        openblas_set_num_threads(1)
        return 2 * Double(m * n * k) * Double(repetitions) / min(split, threaded) / 1e9
    }

    /// Peak resident set size so far (VmHWM), in MB.
    public static func peakMemoryMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.split(separator: " ").compactMap { Double($0) }
            if let kilobytes = digits.first { return kilobytes / 1024 }
        }
        return 0
    }

    /// Resets the kernel's peak-RSS mark (Linux: writing 5 to /proc/self/clear_refs), so each configuration
    /// reports its own peak.
    static func resetPeakMemory() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }
}
