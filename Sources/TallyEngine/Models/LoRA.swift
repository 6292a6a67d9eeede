import Foundation

/// The projections LoRA can adapt. GPT-2's `c_attn` and Llama's q/k/v projections are one fused
/// projection in the engine, so `.attention` adapts all three with one low-rank pair (as PEFT does for
/// GPT-2's `c_attn`); likewise `.mlpUp` covers Llama's gate and up projections together.
public enum LoRATarget: String, CaseIterable, Sendable {
    case attention
    case attentionOutput
    case mlpUp
    case mlpDown
}

/// LoRA hyperparameters: W x + (alpha / rank) · B A x, with A [rank, in] and B [out, rank].
public struct LoRAConfiguration: Equatable, Sendable {
    /// The rank r of A [r, in] and B [out, r].
    public var rank: Int
    /// The scale numerator: updates are multiplied by alpha / rank.
    public var alpha: Float
    /// The projections adapted in every block.
    public var targets: Set<LoRATarget>

    public init(rank: Int, alpha: Float, targets: Set<LoRATarget> = Set(LoRATarget.allCases)) {
        self.rank = rank
        self.alpha = alpha
        self.targets = targets
    }

    /// alpha / rank.
    public var scale: Float { alpha / Float(rank) }
}

/// Low-rank adapters for every block's projections, in their own flat parameter and gradient buffers.
/// A starts random (N(0, 1/in)), B at zero, so a fresh adapter leaves the model's outputs unchanged.
///
/// With ``enabled`` false the model runs exactly as its base weights: that is the reference model for
/// DPO and PPO, without a second copy of the weights.
public final class LoRAAdapters {
    /// Rank, alpha and targets.
    public let configuration: LoRAConfiguration
    /// Whether forward passes apply the adapters.
    public var enabled = true
    /// Every A and B, laid out as ``slots`` says.
    public let parameters: UnsafeMutablePointer<Float>
    /// Their gradients, same layout.
    public let gradients: UnsafeMutablePointer<Float>
    /// Number of floats in ``parameters``.
    public let count: Int
    /// (name, offset, shape) of each A and B, e.g. `h.0.attention.lora_A` [rank, C].
    public private(set) var slots: [ParameterSlot] = []
    private var offsets: [[LoRATarget: (a: Int, b: Int, inDim: Int, outDim: Int)]] = []

    var rank: Int { configuration.rank }

    init(configuration: LoRAConfiguration, config: ModelConfig, seed: UInt64) {
        self.configuration = configuration
        let C = config.width
        let qkvWidth = config.qkvWidth
        let fcWidth = config.fcWidth
        let dims: [LoRATarget: (Int, Int)] = [
            .attention: (C, qkvWidth), .attentionOutput: (config.attentionWidth, C),
            .mlpUp: (C, fcWidth), .mlpDown: (config.mlpWidth, C),
        ]
        var total = 0
        for l in 0..<config.layers {
            var layer: [LoRATarget: (a: Int, b: Int, inDim: Int, outDim: Int)] = [:]
            for target in LoRATarget.allCases where configuration.targets.contains(target) {
                let (inDim, outDim) = dims[target]!
                let a = total
                total += configuration.rank * inDim
                let b = total
                total += outDim * configuration.rank
                layer[target] = (a, b, inDim, outDim)
                slots.append(
                    ParameterSlot(
                        name: "h.\(l).\(target.rawValue).lora_A", shape: [configuration.rank, inDim],
                        offset: a, group: .layer(l), decays: false))
                slots.append(
                    ParameterSlot(
                        name: "h.\(l).\(target.rawValue).lora_B", shape: [outDim, configuration.rank],
                        offset: b, group: .layer(l), decays: false))
            }
            offsets.append(layer)
        }
        count = total
        parameters = .allocate(capacity: max(1, total))
        gradients = .allocate(capacity: max(1, total))
        parameters.initialize(repeating: 0, count: max(1, total))
        gradients.initialize(repeating: 0, count: max(1, total))
        var random = EngineRandom(seed: seed)
        for slot in slots where slot.name.hasSuffix("lora_A") {
            let std = 1 / Float(slot.shape[1]).squareRoot()
            for i in 0..<slot.count { parameters[slot.offset + i] = std * random.nextNormal() }
        }
    }

    deinit {
        parameters.deallocate()
        gradients.deallocate()
    }

    func zeroGradients() { gradients.update(repeating: 0, count: max(1, count)) }

    /// out += scale · (inp·Aᵀ)·Bᵀ, keeping inp·Aᵀ in `intermediate` for the backward pass.
    func forward(
        _ target: LoRATarget, layer: Int, out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        intermediate: UnsafeMutablePointer<Float>, rows: Int
    ) {
        guard let o = offsets[layer][target] else { return }
        matrixProduct(
            .plain, .transposed, m: rows, n: rank, k: o.inDim, a: inp, lda: o.inDim, b: parameters + o.a,
            ldb: o.inDim, beta: 0, c: intermediate, ldc: rank)
        matrixProduct(
            .plain, .transposed, m: rows, n: o.outDim, k: rank, alpha: configuration.scale, a: intermediate,
            lda: rank, b: parameters + o.b, ldb: rank, beta: 1, c: out, ldc: o.outDim)
    }

    /// Backward of ``forward(_:layer:out:inp:intermediate:rows:)``: dB, dA accumulate; dinp += the adapter's part.
    func backward(
        _ target: LoRATarget, layer: Int, dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        inp: UnsafePointer<Float>, intermediate: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
        rows: Int
    ) {
        guard let o = offsets[layer][target] else { return }
        let scale = configuration.scale
        // dB += scale · doutᵀ · u;  du = scale · dout · B;  dA += duᵀ · inp;  dinp += du · A
        matrixProduct(
            .transposed, .plain, m: o.outDim, n: rank, k: rows, alpha: scale, a: dout, lda: o.outDim,
            b: intermediate, ldb: rank, beta: 1, c: gradients + o.b, ldc: rank)
        matrixProduct(
            .plain, .plain, m: rows, n: rank, k: o.outDim, alpha: scale, a: dout, lda: o.outDim,
            b: parameters + o.b, ldb: rank, beta: 0, c: scratch, ldc: rank)
        matrixProduct(
            .transposed, .plain, m: rank, n: o.inDim, k: rows, a: scratch, lda: rank, b: inp, ldb: o.inDim,
            beta: 1, c: gradients + o.a, ldc: o.inDim)
        matrixProduct(
            .plain, .plain, m: rows, n: o.inDim, k: rank, a: scratch, lda: rank, b: parameters + o.a,
            ldb: o.inDim, beta: 1, c: dinp, ldc: o.inDim)
    }

    /// W += scale · B·A for one adapted projection whose weight is at `weight` ([out, in]).
    func merge(_ target: LoRATarget, layer: Int, into weight: UnsafeMutablePointer<Float>) {
        guard let o = offsets[layer][target] else { return }
        matrixProduct(
            .plain, .plain, m: o.outDim, n: o.inDim, k: rank, alpha: configuration.scale, a: parameters + o.b,
            lda: rank, b: parameters + o.a, ldb: o.inDim, beta: 1, c: weight, ldc: o.inDim)
    }
}

extension TransformerModel {
    /// Attaches fresh LoRA adapters (replacing any) and freezes every base parameter group except the
    /// scalar head, so the adapters train together with a reward or value head (`score.weight`, which LoRA
    /// does not adapt: PEFT trains it whole as a `modules_to_save` module). The activation arena is re-laid
    /// for the adapters' intermediates.
    ///
    /// ```swift
    /// let model = try Checkpoint.load(from: sft).makeModel(freshScalarHeadSeed: 7)
    /// try model.attachLoRA(LoRAConfiguration(rank: 8, alpha: 16), seed: 7)
    /// model.trainableTensors.map(\.name)   // ["score.weight", "h.0.attention.lora_A", ...]
    /// ```
    @discardableResult
    public func attachLoRA(_ configuration: LoRAConfiguration, seed: UInt64) throws -> LoRAAdapters {
        guard configuration.rank > 0, configuration.rank <= config.width else {
            throw EngineError.invalidArgument("LoRA rank must be in 1...\(config.width), got \(configuration.rank)")
        }
        guard !configuration.targets.isEmpty else {
            throw EngineError.invalidArgument("LoRA needs at least one target projection")
        }
        let adapters = LoRAAdapters(configuration: configuration, config: config, seed: seed)
        lora = adapters
        frozenGroups = Set(layout.slots.map(\.group)).subtracting([.scalarHead])
        arenaCapacity = 0  // the layout gains LoRA intermediates: grow on next use
        shape = nil
        return adapters
    }

    /// Folds the adapters into the base weights (W += alpha/rank · B·A), removes them and unfreezes the base.
    public func mergeLoRA() {
        guard let lora else { return }
        for l in 0..<config.layers {
            let w = layout.layers[l]
            lora.merge(.attention, layer: l, into: parameters + w.qkvWeight)
            lora.merge(.attentionOutput, layer: l, into: parameters + w.attentionProjectionWeight)
            lora.merge(.mlpUp, layer: l, into: parameters + w.fcWeight)
            lora.merge(.mlpDown, layer: l, into: parameters + w.fcProjectionWeight)
        }
        self.lora = nil
        frozenGroups = []
        arenaCapacity = 0
        shape = nil
    }
}

extension LoRAAdapters {
    /// The adapters' tensors under the engine's names (`h.{i}.{target}.lora_A` [rank, in], `lora_B` [out, rank]),
    /// for checkpoints and resuming.
    public func tensors() -> [TensorEntry] {
        slots.map { slot in
            TensorEntry(
                name: slot.name, shape: slot.shape,
                values: Array(UnsafeBufferPointer(start: parameters + slot.offset, count: slot.count)))
        }
    }

    /// Loads tensors written by ``tensors()``; throws naming the first missing or mis-shaped one, before
    /// changing anything.
    public func load(_ entries: [String: TensorEntry]) throws {
        for slot in slots {
            guard let entry = entries[slot.name] else {
                throw EngineError.invalidTensor("LoRA tensor \"\(slot.name)\" is missing")
            }
            guard entry.shape == slot.shape, entry.values.count == slot.count else {
                throw EngineError.invalidTensor(
                    "LoRA tensor \"\(slot.name)\" has shape \(entry.shape); expected \(slot.shape)")
            }
        }
        for slot in slots {
            entries[slot.name]!.values.withUnsafeBufferPointer {
                (parameters + slot.offset).update(from: $0.baseAddress!, count: slot.count)
            }
        }
    }
}
