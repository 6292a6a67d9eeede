import Foundation
import TallyEngine
import TallyStore
import Testing

@testable import TallyTrain

/// `tally bench train`'s measurement on a tiny model: it runs both trainers, reports positive rates and writes
/// what the TRL peer reads. A smoke test, not a timing.
@Suite(.serialized) struct TrainerBenchmarkTests {
    @Test func bothTrainersRunAndReportPositiveRates() throws {
        let model = TrainerBenchmarkModel(name: "tiny", checkpoint: try LabeledWorkspace.tinyBase())
        let settings = TrainerBenchmarkSettings(steps: 2, warmupSteps: 1, batchSize: 8, seed: 3)
        let data = try TrainerBenchmark.data(for: [model], settings: settings)
        #expect(data.demonstrations.count == 24 && data.pairs.count == 24)
        #expect(data.pairs.allSatisfy { $0.tiers == [[0], [1]] && $0.responses.count == 2 })
        for trainer in BenchmarkedTrainer.allCases {
            let result = try TrainerBenchmark.run(trainer, model: model, data: data, settings: settings)
            #expect(result.trainer == trainer.rawValue && result.model == "tiny")
            #expect(result.steps == 2 && result.batch == 8)
            #expect(result.sequencesPerS > 0 && result.tokensPerS > 0 && result.seconds > 0)
            // A pair is one sequence; its two responses are read, so tokens/s = 2 × mean × sequences/s.
            let readPerExample = trainer == .rm ? 2.0 : 1.0
            let expected = result.sequencesPerS * readPerExample * result.meanTokens
            #expect(abs(result.tokensPerS - expected) <= 1e-6 * expected)
            #expect(result.meanTokens > 10 && result.meanTokens < 192, "mean tokens \(result.meanTokens)")
            let line = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
            #expect(line.contains("\"sequences_per_s\"") && line.contains("\"bench\":\"train\""))
        }
    }

    @Test func exportWritesTRLDataAndHuggingFaceModels() throws {
        let temp = try TemporaryFolder()
        let model = TrainerBenchmarkModel(name: "tiny", checkpoint: try LabeledWorkspace.tinyBase())
        let settings = TrainerBenchmarkSettings(steps: 1, warmupSteps: 0, batchSize: 4, seed: 3)
        let data = try TrainerBenchmark.data(for: [model], settings: settings)
        #expect(try TrainerBenchmark.data(for: [model], settings: settings).pairs == data.pairs)
        try TrainerBenchmark.export(to: temp.url, models: [model], data: data, settings: settings)
        let rm = try String(contentsOf: temp.url.appendingPathComponent("rm.jsonl"), encoding: .utf8)
        let lines = rm.split(separator: "\n")
        #expect(lines.count == 4)
        let first = try #require(
            try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: [[String: String]]])
        #expect(first["prompt"]?.first?["role"] == "user")
        #expect(first["chosen"]?.first?["content"] == data.pairs[0].responses[0])
        #expect(first["rejected"]?.first?["content"] == data.pairs[0].responses[1])
        let sft = try String(contentsOf: temp.url.appendingPathComponent("sft.jsonl"), encoding: .utf8)
        #expect(sft.split(separator: "\n").count == 4 && sft.contains("\"completion\""))
        let exported = try Checkpoint.loadHuggingFace(from: temp.url.appendingPathComponent("tiny"))
        let (written, original) = (try exported.modelConfig(), try model.checkpoint.modelConfig())
        #expect(written.layers == original.layers && written.width == original.width)
        #expect(written.vocabSize == original.vocabSize && written.contextLength == original.contextLength)
        for file in ["tiny/tokenizer_config.json", "bench.json"] {
            #expect(FileManager.default.fileExists(atPath: temp.url.appendingPathComponent(file).path), "\(file)")
        }
    }
}
