import Foundation

/// A decoder-only transformer (GPT-2 or Llama, per ``ModelConfig``) with hand-written forward and backward
/// passes over flat fp32 buffers: one for parameters, one for gradients (same layout), and an activation
/// arena sized once per (batch, length) by ``reserve(batchSize:length:)``.
///
/// ```swift
/// let model = try TransformerModel(config: .gpt2(vocabularySize: 65, contextLength: 64, layers: 4,
///                                                 heads: 4, width: 128), seed: 1)
/// let batch = try TokenBatch(sequences: [[1, 2, 3, 4]])
/// model.zeroGradients()
/// let loss = try model.trainLanguageModel(batch)   // forward + backward, gradients accumulated
/// ```
///
/// The model is not thread-safe: one caller at a time. Its kernels use every core on their own.
public final class TransformerModel {
    public let config: ModelConfig
    let layout: ParameterLayout
    /// The flat parameter buffer (``parameterCount`` floats), laid out as ``parameterSlots`` says.
    public let parameters: UnsafeMutablePointer<Float>
    /// Gradients, same layout as ``parameters``; ``backward(logProbGradients:valueGradients:)`` adds to them.
    public let gradients: UnsafeMutablePointer<Float>
    /// Parameter groups that get no gradient and no update (their inputs still get gradients).
    public var frozenGroups: Set<ParameterGroup> = []
    /// LoRA adapters, when attached with ``attachLoRA(_:seed:)``.
    public internal(set) var lora: LoRAAdapters?
    /// The adapters when attached and switched on, else nil: what the forward and backward passes apply.
    var activeLoRA: LoRAAdapters? { lora?.enabled == true ? lora : nil }

    var rotary: RotaryTable?
    var arena: UnsafeMutablePointer<Float>?
    var arenaCapacity = 0
    var integerArena: UnsafeMutablePointer<Int32>?
    var integerCapacity = 0
    var shape: ActivationLayout?
    var lastOutputs: ForwardOutputs?
    /// How many positions the last forward pass computed its outputs at when only some
    /// (``selectOutputPositions(layout:outputs:)``); nil when every position.
    var outputPositionCount: Int?
    /// Whether the last forward pass ran the last block after its attention only at those positions, their rows
    /// packed first.
    var compactLastBlock = false
    /// The temperature of the last forward pass's logits (1 but for RL's importance ratios).
    var logitTemperature: Float = 1
    /// Whether the current batch has padding for attention to skip (without, the plain causal path runs).
    var maskHasPadding = false

    /// Builds a model with freshly initialised weights (GPT-2's scheme: N(0, 0.02), residual projections
    /// N(0, 0.02/√(2L)), norms 1, biases 0), deterministic for `seed`. With `scalarHead`, the model also has
    /// a [1, C] head (`score.weight`) for rewards and values.
    public init(config: ModelConfig, seed: UInt64, scalarHead: Bool = false) throws {
        try config.validate()
        self.config = config
        layout = ParameterLayout(config: config, scalarHead: scalarHead)
        parameters = .allocate(capacity: layout.count)
        gradients = .allocate(capacity: layout.count)
        parameters.initialize(repeating: 0, count: layout.count)
        gradients.initialize(repeating: 0, count: layout.count)
        if config.architecture == .llama {
            rotary = RotaryTable(
                headSize: config.headSize, maxPositions: config.contextLength, theta: config.ropeTheta ?? 10_000)
        }
        initializeWeights(seed: seed)
    }

    deinit {
        parameters.deallocate()
        gradients.deallocate()
        arena?.deallocate()
        integerArena?.deallocate()
        rotary?.deallocate()
    }

    /// Re-draws every weight from `seed` (see ``init(config:seed:scalarHead:)``); adapters are untouched.
    public func initializeWeights(seed: UInt64) {
        var random = EngineRandom(seed: seed)
        let residualScale = 0.02 / Float(2 * config.layers).squareRoot()
        for slot in layout.slots {
            let p = parameters + slot.offset
            if slot.shape.count == 1 {
                let isNormWeight =
                    slot.name.hasSuffix("norm1.weight") || slot.name.hasSuffix("norm2.weight")
                    || slot.name == "norm_f.weight"
                p.initialize(repeating: isNormWeight ? 1 : 0, count: slot.count)
            } else {
                let isResidual = slot.name.hasSuffix("attn_proj.weight") || slot.name.hasSuffix("fc_proj.weight")
                let std: Float = isResidual ? residualScale : 0.02
                for i in 0..<slot.count { p[i] = std * random.nextNormal() }
            }
        }
    }

    /// How many parameters the model has (adapters not counted).
    public var parameterCount: Int { layout.count }

    /// Every parameter tensor with its offset, group and weight-decay flag.
    public var parameterSlots: [ParameterSlot] { layout.slots }

    /// Whether the model has a scalar (reward/value) head.
    public var hasScalarHead: Bool { layout.scalarHead >= 0 }

    /// Sets all gradients (and the adapters' gradients) to zero.
    public func zeroGradients() {
        gradients.update(repeating: 0, count: layout.count)
        lora?.zeroGradients()
    }

    /// Sizes the activation arena for batches of up to `batchSize` rows of up to `length` tokens (packed batches
    /// of up to `batchSize` sequences of up to `length` tokens fit too). Forward passes on smaller shapes reuse it;
    /// a larger shape grows it (an allocation, outside any step).
    public func reserve(batchSize: Int, length: Int) {
        reserve(ActivationLayout(config: config, batch: batchSize, length: length, loraRank: lora?.rank ?? 0))
    }

    /// Grows the arenas to hold `needed`: its floats, and five integers a position (tokens, targets, positions,
    /// and the language-model head's gathered positions and targets).
    func reserve(_ needed: ActivationLayout) {
        if needed.count > arenaCapacity {
            arena?.deallocate()
            arena = .allocate(capacity: needed.count)
            arena!.initialize(repeating: 0, count: needed.count)  // touch the pages now, not in step 1
            arenaCapacity = needed.count
        }
        let integers = Self.integersPerPosition * needed.batch * needed.length
        if integers > integerCapacity {
            integerArena?.deallocate()
            integerArena = .allocate(capacity: integers)
            integerArena!.initialize(repeating: 0, count: integers)
            integerCapacity = integers
        }
    }

    static let integersPerPosition = 5

    /// The layout for `batch`'s shape, reusing the last one when the shape is unchanged.
    func activationLayout(for batch: TokenBatch) -> ActivationLayout {
        if let shape, shape.batch == batch.batchSize, shape.length == batch.length,
            shape.attention.packedLengths == batch.packedLengths
        {
            return shape
        }
        let fresh = ActivationLayout(
            config: config, batch: batch.batchSize, length: batch.length, loraRank: lora?.rank ?? 0,
            packedLengths: batch.packedLengths)
        reserve(fresh)
        shape = fresh
        return fresh
    }

    // MARK: Pointer helpers

    @inline(__always)
    func parameter(_ offset: Int) -> UnsafeMutablePointer<Float>? { offset >= 0 ? parameters + offset : nil }

    /// The gradient for a tensor, or nil when the tensor is absent or its group is frozen.
    @inline(__always)
    func gradient(_ offset: Int, _ group: ParameterGroup) -> UnsafeMutablePointer<Float>? {
        offset >= 0 && !frozenGroups.contains(group) ? gradients + offset : nil
    }

    /// The arena pointer at `offset`; only valid after ``reserve(batchSize:length:)``.
    @inline(__always)
    func activation(_ offset: Int) -> UnsafeMutablePointer<Float> { arena! + offset }
}
