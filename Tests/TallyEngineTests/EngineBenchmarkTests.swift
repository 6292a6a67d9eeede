import Testing

@testable import TallyEngine

@Suite struct EngineBenchmarkTests {
    @Test func configsHaveTheBenchmarkParameterCounts() throws {
        let counts = try BenchmarkConfiguration.all.map {
            try TransformerModel(config: $0.model, seed: 0).parameterCount
        }
        // The project's benchmark configs: tiny 0.81 M, small 10.77 M, bpe 5.32 M.
        #expect(counts == [809_856, 10_770_816, 5_322_240])
    }

    @Test func flopsPerTokenFollowTheBenchmarkFormula() {
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
            // The largest such divisor: no larger one also fits.
            for larger in 1...configuration.batchSize where larger > micro && configuration.batchSize % larger == 0 {
                let largerLayout = ActivationLayout(
                    config: configuration.model, batch: larger, length: configuration.model.contextLength,
                    loraRank: 0)
                #expect(largerLayout.count * 4 > 100_000_000, "\(configuration.name): \(larger) also fits")
            }
        }
    }
}
