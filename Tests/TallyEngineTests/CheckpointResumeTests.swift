import Foundation
import Testing

@testable import TallyEngine

/// Deterministic little training batches for the resume test.
func resumeBatch(_ step: Int, vocabulary: Int) throws -> TokenBatch {
    let sequences = (0..<2).map { row in
        (0..<9).map { position in Int32((step * 7 + row * 3 + position * position) % vocabulary) }
    }
    return try TokenBatch(sequences: sequences)
}

func trainSteps(_ model: TransformerModel, _ optimizer: AdamW, steps: Range<Int>) throws {
    for step in steps {
        model.zeroGradients()
        _ = try model.trainLanguageModel(try resumeBatch(step, vocabulary: model.config.vocabSize))
        optimizer.step(learningRate: 1e-2)
    }
}

@Test func trainingResumedFromACheckpointMatchesUninterruptedTrainingExactly() throws {
    let workspace = try makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: workspace) }
    let tokenizer = try fixtureTokenizer()
    let config = ModelConfig.llama(
        vocabularySize: tokenizer.vocabularySize, contextLength: 16, layers: 1, heads: 2, kvHeads: 1, width: 8,
        intermediateSize: 16)

    let uninterrupted = try TransformerModel(config: config, seed: 3)
    let uninterruptedOptimizer = AdamW(model: uninterrupted)
    try trainSteps(uninterrupted, uninterruptedOptimizer, steps: 0..<6)

    let first = try TransformerModel(config: config, seed: 3)
    let firstOptimizer = AdamW(model: first)
    try trainSteps(first, firstOptimizer, steps: 0..<3)
    var random = EngineRandom(seed: 77)
    for _ in 0..<5 { _ = random.next() }
    let folder = workspace.appendingPathComponent("step-3")
    try Checkpoint(
        model: first, tokenizer: tokenizer, optimizer: firstOptimizer,
        trainerState: TrainerState(trainer: "test", step: 3, rngState: random.state)
    ).save(to: folder)

    let checkpoint = try Checkpoint.load(from: folder)
    let resumed = try checkpoint.makeModel()
    let resumedOptimizer = AdamW(model: resumed)
    try checkpoint.restore(resumedOptimizer)
    #expect(resumedOptimizer.stepCount == 3)
    let startStep = try #require(checkpoint.trainerState?.step)
    var resumedRandom = EngineRandom(state: try #require(checkpoint.trainerState?.rngState))
    #expect((0..<4).map { _ in resumedRandom.next() } == (0..<4).map { _ in random.next() })
    try trainSteps(resumed, resumedOptimizer, steps: startStep..<6)

    let expected = uninterrupted.huggingFaceTensors()
    let actual = resumed.huggingFaceTensors()
    #expect(actual.map(\.name) == expected.map(\.name))
    for (resumedTensor, expectedTensor) in zip(actual, expected) {
        #expect(bitPatterns(resumedTensor.values) == bitPatterns(expectedTensor.values), "\(resumedTensor.name)")
    }
}

@Test func resumingWithoutOptimizerStateIsRefused() throws {
    let tokenizer = try fixtureTokenizer()
    let config = ModelConfig.gpt2(
        vocabularySize: tokenizer.vocabularySize, contextLength: 8, layers: 1, heads: 2, width: 8)
    let model = try TransformerModel(config: config, seed: 1)
    let checkpoint = try Checkpoint(model: model, tokenizer: tokenizer)
    let error = #expect(throws: CheckpointError.self) { try checkpoint.restore(AdamW(model: model)) }
    #expect(error?.path == "optimizer.safetensors")
}
