import Foundation
import Testing

@testable import TallyEngine

/// The compute side's tensors through real safetensors files: what is saved loads back bit for bit.
@Suite struct ModelSafeTensorsTests {
    func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("tally-\(UUID().uuidString)-\(name)")
    }

    @Test(arguments: [TinyConfigs.gpt2, TinyConfigs.llama])
    func trainedModelAdaptersAndOptimizerRoundTripThroughFiles(config: ModelConfig) throws {
        let model = try TransformerModel(config: config, seed: 4, scalarHead: true)
        let optimizer = AdamW(model: model)
        for _ in 0..<2 {
            model.zeroGradients()
            try model.trainLanguageModel(try paddedBatch())
            optimizer.step(learningRate: 1e-2)
        }
        let adapters = try model.attachLoRA(LoRAConfiguration(rank: 2, alpha: 4), seed: 1)
        randomize(adapters.parameters, count: adapters.count, seed: 2)

        let weightsFile = temporaryFile("model.safetensors")
        let adapterFile = temporaryFile("adapter.safetensors")
        let optimizerFile = temporaryFile("optimizer.safetensors")
        defer {
            for file in [weightsFile, adapterFile, optimizerFile] { try? FileManager.default.removeItem(at: file) }
        }
        try SafeTensors.write(model.huggingFaceTensors(), to: weightsFile)
        try SafeTensors.write(adapters.tensors(), to: adapterFile)
        let (step, moments) = optimizer.exportState()
        try SafeTensors.write(moments, to: optimizerFile)

        let restored = try TransformerModel(config: config, seed: 99, scalarHead: true)
        try restored.loadHuggingFaceTensors(try SafeTensors.read(contentsOf: weightsFile).tensorsByName)
        #expect(memcmp(restored.parameters, model.parameters, model.parameterCount * 4) == 0)
        let restoredAdapters = try restored.attachLoRA(LoRAConfiguration(rank: 2, alpha: 4), seed: 7)
        try restoredAdapters.load(try SafeTensors.read(contentsOf: adapterFile).tensorsByName)
        #expect(memcmp(restoredAdapters.parameters, adapters.parameters, adapters.count * 4) == 0)

        let fresh = try TransformerModel(config: config, seed: 4, scalarHead: true)
        let freshOptimizer = AdamW(model: fresh)
        try freshOptimizer.importState(
            step: step, tensors: try SafeTensors.read(contentsOf: optimizerFile).tensorsByName)
        #expect(freshOptimizer.exportState().tensors == moments && freshOptimizer.stepCount == 2)
    }
}
