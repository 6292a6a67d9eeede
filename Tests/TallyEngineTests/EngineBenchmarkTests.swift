import Testing

@testable import TallyEngine

@Suite struct EngineBenchmarkTests {
    @Test func configsHaveBenchMdParameterCounts() throws {
        let counts = try BenchmarkConfiguration.all.map {
            try TransformerModel(config: $0.model, seed: 0).parameterCount
        }
        // BENCH.md: tiny 0.81 M, small 10.77 M, bpe 5.32 M.
        #expect(counts == [809_856, 10_770_816, 5_322_240])
    }

    @Test func flopsPerTokenFollowBenchMd() {
        let small = BenchmarkConfiguration.all[1].model
        let withoutPositions = 10_770_816 - 256 * 384
        #expect(EngineBenchmark.trainingFlopsPerToken(small) == Double(6 * withoutPositions + 12 * 6 * 384 * 256))
    }

    @Test func defaultMicroBatchDividesTheBatchAndBoundsActivations() {
        for configuration in BenchmarkConfiguration.all {
            let micro = EngineBenchmark.defaultMicroBatch(configuration)
            #expect(configuration.batchSize % micro == 0)
            let layout = ActivationLayout(
                config: configuration.model, batch: micro, length: configuration.model.contextLength, loraRank: 0)
            #expect(layout.count * 4 <= 100_000_000 || micro == 1)
        }
    }
}
