import Foundation
import TallyEngine
import TallyStore
import Testing

@testable import TallyTrain

/// `tally bench rl`'s measurement on a tiny model: every configuration runs its iterations with every response at
/// full length, reports positive figures, and the export holds what the TRL peer reads. A smoke test, not a timing.
@Suite(.serialized) struct RLBenchmarkTests {
    @Test func everyConfigurationRunsWithFullLengthResponses() throws {
        let model = TrainerBenchmarkModel(name: "tiny", checkpoint: try LabeledWorkspace.tinyBase())
        let settings = RLBenchmarkSettings(iterations: 2, warmupIterations: 0, newTokens: 5, seed: 3)
        let prompts = try RLBenchmarkPrompts.generate(for: [model], settings: settings)
        #expect(prompts.prompts.count == RLBenchmarkPrompts.poolSize)
        #expect(prompts.prompts.allSatisfy { $0.world != nil && $0.tokens.count + 5 <= 192 })
        for config in BenchmarkedRL.allCases {
            var lines: [String] = []
            let result = try RLBenchmark.run(config, model: model, prompts: prompts, settings: settings) {
                lines.append($0)
            }
            let rl = config.settings(newTokens: 5)
            #expect(result.config == config.rawValue && result.model == "tiny" && result.iterations == 2)
            #expect(result.prompts == rl.promptsPerIteration && result.groupSize == rl.groupSize)
            #expect(result.ppoEpochs == (config == .ppo ? 4 : 1))
            // The stops are off: every response runs to the budget, as the peer's do.
            #expect(result.meanResponseTokens == 5)
            #expect(result.iterationSeconds > 0 && result.iterationSecondsWorst >= result.iterationSeconds)
            #expect(result.rolloutSeconds > 0 && result.updateSeconds > 0)
            #expect(result.rolloutSeconds + result.updateSeconds <= result.iterationSecondsWorst * 1.01 + 1e-3)
            #expect(result.samplingTokensPerS > 0 && result.samplingSeconds > 0 && result.rewardSeconds > 0)
            #expect(lines.count == 2, "a line per timed iteration: \(lines)")
            let line = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
            #expect(line.contains("\"bench\":\"rl\"") && line.contains("\"iteration_s_worst\""))
        }
    }

    @Test func exportWritesPromptsModelsAndRewardModels() throws {
        let temp = try TemporaryFolder()
        let model = TrainerBenchmarkModel(name: "tiny", checkpoint: try LabeledWorkspace.tinyBase())
        let settings = RLBenchmarkSettings(iterations: 1, warmupIterations: 0, newTokens: 8, seed: 3)
        let prompts = try RLBenchmarkPrompts.generate(for: [model], settings: settings)
        try prompts.export(to: temp.url, models: [model], settings: settings)
        let lines = try String(contentsOf: temp.url.appendingPathComponent("prompts.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.count == prompts.prompts.count)
        let first = try #require(
            try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: [[String: String]]])
        #expect(first["prompt"] == [["role": "user", "content": prompts.prompts[0].content.lastUserText]])
        // The reward model the peer scores with is the one the benchmark scores with.
        let reward = try Checkpoint.load(from: temp.url.appendingPathComponent("tiny-rm"))
        let exported = try reward.makeModel()
        let scoring = try RLBenchmark.rewardModel(model.checkpoint, seed: settings.seed)
        #expect(exported.hasScalarHead)
        #expect(
            Array(UnsafeBufferPointer(start: exported.parameters, count: exported.parameterCount))
                == Array(UnsafeBufferPointer(start: scoring.parameters, count: scoring.parameterCount)))
        let policy = try Checkpoint.loadHuggingFace(from: temp.url.appendingPathComponent("tiny"))
        #expect(try policy.modelConfig().layers == model.checkpoint.modelConfig().layers)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: temp.url.appendingPathComponent("bench-rl.json")))
                as? [String: Any])
        let configs = try #require(json["configs"] as? [String: [String: Any]])
        #expect(configs["grpo"]?["group_size"] as? Int == 4 && configs["grpo"]?["prompts"] as? Int == 16)
        #expect(json["new_tokens"] as? Int == 8 && json["models"] as? [String] == ["tiny"])
    }
}
