import Foundation
import Testing

@testable import TallyEngine

@Suite struct OptimTests {
    @Test func adamWMatchesTheFormulaOnOneStep() throws {
        let model = try TransformerModel(config: TinyConfigs.gpt2, seed: 1)
        let settings = AdamWSettings(beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.1)
        let optimizer = AdamW(model: model, settings: settings)
        let before = Array(UnsafeBufferPointer(start: model.parameters, count: model.parameterCount))
        model.zeroGradients()
        try model.trainLanguageModel(try paddedBatch())
        let grads = Array(UnsafeBufferPointer(start: model.gradients, count: model.parameterCount))
        optimizer.step(learningRate: 0.01)
        for slot in model.parameterSlots {
            for i in stride(from: 0, to: slot.count, by: 7) {
                let index = slot.offset + i
                let g = Double(grads[index])
                let m = 0.1 * g / 0.1  // bias-corrected first moment after one step
                let v = 0.05 * g * g / 0.05
                let decay = slot.decays ? 0.01 * 0.1 * Double(before[index]) : 0
                let expected = Double(before[index]) - 0.01 * m / (v.squareRoot() + 1e-8) - decay
                #expect(abs(Double(model.parameters[index]) - expected) < 1e-6, "\(slot.name)[\(i)]")
            }
        }
    }

    /// A GPT-2 whose MLP weights (72 × 288 = 20,736 floats) span two of AdamW's 16,384-float segments.
    static let wideGPT2 = ModelConfig.gpt2(vocabularySize: 11, contextLength: 8, layers: 1, heads: 2, width: 72)

    /// The first step moves every weight by about lr·sign(g) whatever the betas are; the second step is
    /// where the moment formulas (β1, β2, bias correction, stored moments) show. The wide config checks
    /// that every segment of a tensor updates its own floats.
    @Test(arguments: [TinyConfigs.gpt2, wideGPT2])
    func adamWMatchesTheFormulaOnTwoSteps(config: ModelConfig) throws {
        #expect(config == TinyConfigs.gpt2 || config.width * config.mlpWidth > AdamW.segmentLength)
        let model = try TransformerModel(config: config, seed: 1)
        let (beta1, beta2, lr, decay) = (0.9, 0.95, 0.01, 0.1)
        let optimizer = AdamW(
            model: model,
            settings: AdamWSettings(beta1: Float(beta1), beta2: Float(beta2), epsilon: 1e-8, weightDecay: Float(decay)))
        func gradients() throws -> [Float] {
            model.zeroGradients()
            try model.trainLanguageModel(try paddedBatch())
            return Array(UnsafeBufferPointer(start: model.gradients, count: model.parameterCount))
        }
        let g1 = try gradients()
        optimizer.step(learningRate: Float(lr))
        let p1 = Array(UnsafeBufferPointer(start: model.parameters, count: model.parameterCount))
        let g2 = try gradients()
        optimizer.step(learningRate: Float(lr))
        for slot in model.parameterSlots {
            for i in stride(from: 0, to: slot.count, by: 7) {
                let index = slot.offset + i
                let (a, b) = (Double(g1[index]), Double(g2[index]))
                let m = beta1 * (1 - beta1) * a + (1 - beta1) * b
                let v = beta2 * (1 - beta2) * a * a + (1 - beta2) * b * b
                let mHat = m / (1 - beta1 * beta1)
                let vHat = v / (1 - beta2 * beta2)
                let weight = Double(p1[index])
                let expected = weight - lr * mHat / (vHat.squareRoot() + 1e-8) - (slot.decays ? lr * decay * weight : 0)
                #expect(abs(Double(model.parameters[index]) - expected) < 2e-6, "\(slot.name)[\(i)]")
            }
        }
    }

    @Test func theGradientNormCoversEveryFloatOfEverySegment() throws {
        let model = try TransformerModel(config: Self.wideGPT2, seed: 1)
        let optimizer = AdamW(model: model)
        model.zeroGradients()
        try model.trainLanguageModel(try paddedBatch())
        var total: Double = 0
        for i in 0..<model.parameterCount { total += Double(model.gradients[i]) * Double(model.gradients[i]) }
        #expect(abs(Double(optimizer.gradientNorm()) - total.squareRoot()) <= 1e-5 * total.squareRoot())
    }

    @Test func clippingBoundsTheGlobalNorm() throws {
        let model = try TransformerModel(config: TinyConfigs.gpt2, seed: 1)
        let optimizer = AdamW(model: model)
        model.zeroGradients()
        try model.trainLanguageModel(try paddedBatch(), lossScale: 100)
        let norm = optimizer.clipGradients(maxNorm: 0.5)
        #expect(norm > 0.5)
        #expect(abs(optimizer.gradientNorm() - 0.5) < 1e-3)
    }

    @Test func accumulationEqualsOneBigBatch() throws {
        let sequences: [[Int32]] = [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [2, 4, 6, 8, 10], [1, 3, 5, 7, 9]]
        let whole = try TransformerModel(config: TinyConfigs.llama, seed: 1)
        whole.zeroGradients()
        try whole.trainLanguageModel(try TokenBatch(sequences: sequences))
        let parts = try TransformerModel(config: TinyConfigs.llama, seed: 1)
        parts.zeroGradients()
        for half in [Array(sequences[0..<2]), Array(sequences[2..<4])] {
            try parts.trainLanguageModel(try TokenBatch(sequences: half), normalizer: 16)
        }
        for i in 0..<whole.parameterCount { #expect(abs(whole.gradients[i] - parts.gradients[i]) < 1e-6) }
    }

    @Test func warmupThenCosine() {
        let schedule = LearningRateSchedule(peak: 1, warmupSteps: 10, totalSteps: 110, minimum: 0.1)
        #expect(abs(schedule.rate(at: 0) - 0.1) < 1e-6)
        #expect(schedule.rate(at: 9) == 1)
        #expect(abs(schedule.rate(at: 60) - 0.55) < 1e-5)
        #expect(abs(schedule.rate(at: 110) - 0.1) < 1e-6)
        #expect(schedule.rate(at: 30) > schedule.rate(at: 31))
    }

    @Test func resumingRestoresTheRun() throws {
        let batch = try paddedBatch()
        func step(_ model: TransformerModel, _ optimizer: AdamW) throws {
            model.zeroGradients()
            try model.trainLanguageModel(batch)
            optimizer.step(learningRate: 1e-2)
        }
        let straight = try TransformerModel(config: TinyConfigs.gpt2, seed: 1)
        let straightOptimizer = AdamW(model: straight)
        for _ in 0..<4 { try step(straight, straightOptimizer) }

        let first = try TransformerModel(config: TinyConfigs.gpt2, seed: 1)
        let firstOptimizer = AdamW(model: first)
        for _ in 0..<2 { try step(first, firstOptimizer) }
        let weights = first.huggingFaceTensors()
        let (savedStep, state) = firstOptimizer.exportState()

        let resumed = try TransformerModel(config: TinyConfigs.gpt2, seed: 99)
        try resumed.loadHuggingFaceTensors(Dictionary(uniqueKeysWithValues: weights.map { ($0.name, $0) }))
        let resumedOptimizer = AdamW(model: resumed)
        try resumedOptimizer.importState(
            step: savedStep,
            tensors: Dictionary(uniqueKeysWithValues: state.map { ($0.name, $0) }))
        for _ in 0..<2 { try step(resumed, resumedOptimizer) }
        #expect(memcmp(straight.parameters, resumed.parameters, straight.parameterCount * 4) == 0)
        #expect(throws: EngineError.self) { try resumedOptimizer.importState(step: 1, tensors: [:]) }
    }

    @Test func randomStateRoundTrips() {
        var random = EngineRandom(seed: 5)
        _ = random.next()
        let saved = random.state
        let expected = (0..<4).map { _ in random.next() }
        var restored = EngineRandom(state: saved)
        #expect((0..<4).map { _ in restored.next() } == expected)
        #expect(EngineRandom(seed: 1).state != EngineRandom(seed: 2).state)
    }

    @Test func openBLASChoiceUpgradesSlowKernelsOnAVX512CPUs() {
        let avx512 = "processor\t: 0\nflags\t\t: fpu sse avx2 avx512f avx512dq avx512bw avx512vl\n"
        let avx512FoundationOnly = "processor\t: 0\nflags\t\t: fpu sse avx2 avx512f\n"
        let avx2 = "processor\t: 0\nflags\t\t: fpu sse avx2 fma\n"
        let skylakeX = OpenBLASChoice.Decision.reexecute(coreType: "SkylakeX")
        func decide(_ environment: [String: String], _ cpuInfo: String, loaded: String) -> OpenBLASChoice.Decision {
            OpenBLASChoice.decide(environment: environment, cpuInfo: cpuInfo, loadedCore: loaded)
        }
        // OpenBLAS fell back to AVX2 kernels, by itself or because the machine's environment said so.
        #expect(decide([:], avx512, loaded: "Haswell") == skylakeX)
        #expect(decide(["OPENBLAS_CORETYPE": "Haswell"], avx512, loaded: "Haswell") == skylakeX)
        // AVX-512 kernels already loaded, or a CPU that cannot run them: nothing to do.
        #expect(decide([:], avx512, loaded: "Cooperlake") == .keep)
        #expect(decide(["OPENBLAS_CORETYPE": "SkylakeX"], avx512, loaded: "SkylakeX") == .keep)
        #expect(decide([:], avx2, loaded: "Haswell") == .keep)
        #expect(decide([:], avx512FoundationOnly, loaded: "Haswell") == .keep)
        #expect(decide([:], "", loaded: "Haswell") == .keep)
        // The re-executed process never re-executes again, even if OpenBLAS ignored the variable.
        #expect(decide(["OPENBLAS_CORETYPE": "SkylakeX"], avx512, loaded: "Haswell") == .keep)
        #expect(decide(["TALLY_OPENBLAS_REEXECUTED": "1"], avx512, loaded: "Haswell") == .keep)
        #expect(
            decide(
                ["TALLY_OPENBLAS_REEXECUTED": "1", "TALLY_OPENBLAS_CORETYPE": "Haswell"], avx512, loaded: "SkylakeX")
                == .keep)
        // TALLY_OPENBLAS_CORETYPE is the user's own choice and always wins; empty lets OpenBLAS detect.
        #expect(
            decide(["TALLY_OPENBLAS_CORETYPE": "Haswell"], avx512, loaded: "Cooperlake")
                == .reexecute(coreType: "Haswell"))
        #expect(
            decide(["TALLY_OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_CORETYPE": "Haswell"], avx512, loaded: "Haswell")
                == .keep)
        #expect(
            decide(["TALLY_OPENBLAS_CORETYPE": "", "OPENBLAS_CORETYPE": "Haswell"], avx512, loaded: "Haswell")
                == .reexecute(coreType: nil))
        #expect(decide(["TALLY_OPENBLAS_CORETYPE": ""], avx512, loaded: "Haswell") == .keep)
    }
}
