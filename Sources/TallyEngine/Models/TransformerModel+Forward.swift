import Foundation

/// Which outputs a forward pass computes.
public struct ForwardOutputs: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Next-token probabilities and the targets' log-probabilities (the language-model head).
    public static let languageModel = ForwardOutputs(rawValue: 1)
    /// The scalar head on every token (values; rewards read it at the last real token).
    public static let scalar = ForwardOutputs(rawValue: 2)
}

extension TransformerModel {
    /// Runs the forward pass on `batch`, keeping every activation the backward pass needs.
    ///
    /// Afterwards ``targetLogProbs`` holds log p(target) per position (0 where there is no target),
    /// ``probabilities(row:position:)`` the next-token distribution, and with `.scalar` ``scalarOutputs``
    /// the scalar head per position. Throws for a batch the model cannot take (token outside the vocabulary,
    /// longer than the context, arrays of the wrong size).
    ///
    /// `temperature` divides the logits before the softmax (the distribution a sampler at that temperature draws
    /// from, as RL's importance ratios need); ``backward(logProbGradients:valueGradients:)`` differentiates
    /// through the same division.
    public func forward(_ batch: TokenBatch, outputs: ForwardOutputs = .languageModel, temperature: Float = 1) throws {
        try validate(batch)
        if outputs.contains(.scalar) && !hasScalarHead {
            throw EngineError.invalidArgument("the model has no scalar head; build it with scalarHead: true")
        }
        guard temperature > 0, temperature.isFinite else {
            throw EngineError.invalidArgument("temperature must be positive, got \(temperature)")
        }
        let s = activationLayout(batch: batch.batchSize, length: batch.length)
        loadInputs(batch, layout: s)
        logitTemperature = temperature
        forwardPass(layout: s, outputs: outputs)
        lastOutputs = outputs
    }

    func validate(_ batch: TokenBatch) throws {
        let rows = batch.batchSize * batch.length
        guard batch.batchSize > 0, batch.length > 0 else {
            throw EngineError.invalidBatch("batch size and length must be positive")
        }
        guard batch.length <= config.contextLength else {
            throw EngineError.invalidBatch("length \(batch.length) exceeds the context length \(config.contextLength)")
        }
        guard batch.tokens.count == rows, batch.targets.count == rows, (batch.attentionMask?.count ?? rows) == rows
        else {
            throw EngineError.invalidBatch(
                "tokens, targets and mask must each hold batchSize × length = \(rows) values")
        }
        let vocabulary = Int32(config.vocabSize)
        for (index, token) in batch.tokens.enumerated() where token < 0 || token >= vocabulary {
            throw EngineError.invalidBatch(
                "token \(token) at index \(index) is outside the vocabulary (0..<\(vocabulary))")
        }
        for (index, target) in batch.targets.enumerated() where target < -1 || target >= vocabulary {
            throw EngineError.invalidBatch("target \(target) at index \(index) is outside the vocabulary (or -1)")
        }
    }

    /// Copies tokens, targets and mask into the arena and derives positions from the mask.
    func loadInputs(_ batch: TokenBatch, layout s: ActivationLayout) {
        let rows = batch.batchSize * batch.length
        let integers = integerArena!
        batch.tokens.withUnsafeBufferPointer { integers.update(from: $0.baseAddress!, count: rows) }
        batch.targets.withUnsafeBufferPointer { (integers + rows).update(from: $0.baseAddress!, count: rows) }
        let mask = activation(s.keyMask)
        if let attentionMask = batch.attentionMask {
            attentionMask.withUnsafeBufferPointer { mask.update(from: $0.baseAddress!, count: rows) }
        } else {
            mask.update(repeating: 1, count: rows)
        }
        maskHasPadding = batch.attentionMask?.contains(0) ?? false
        let positions = integers + 2 * rows
        for b in 0..<batch.batchSize {
            var seen: Int32 = 0
            for t in 0..<batch.length {
                positions[b * batch.length + t] = max(0, seen)
                if mask[b * batch.length + t] != 0 { seen += 1 }
            }
        }
    }

    var tokensPointer: UnsafeMutablePointer<Int32> { integerArena! }
    var targetsPointer: UnsafeMutablePointer<Int32> { integerArena! + shape!.batch * shape!.length }
    var positionsPointer: UnsafeMutablePointer<Int32> { integerArena! + 2 * shape!.batch * shape!.length }

    func forwardPass(layout s: ActivationLayout, outputs: ForwardOutputs) {
        let rows = s.batch * s.length
        let C = config.width
        let gpt2 = config.architecture == .gpt2
        let attentionShape = AttentionShape(
            batch: s.batch, length: s.length, heads: config.heads, kvHeads: config.kvHeads, headSize: config.headSize)
        let qkvWidth = attentionShape.rowStride
        let hidden = config.mlpWidth

        embeddingForward(
            activation(s.embedded), tokens: tokensPointer, positions: positionsPointer,
            tokenTable: parameters + layout.tokenEmbedding, positionTable: parameter(layout.positionEmbedding),
            rows: rows, channels: C)

        for l in 0..<config.layers {
            let w = layout.layers[l]
            let a = s.layers[l]
            let input = activation(a.input)
            normForward(
                activation(a.norm1), mean: activation(a.norm1Mean), rstd: activation(a.norm1Rstd), input: input,
                weight: w.norm1Weight, bias: w.norm1Bias, rows: rows)
            projectionForward(
                .attention, layer: l, out: activation(a.qkv), inp: activation(a.norm1),
                loraIntermediate: activation(a.loraQKV), rows: rows)
            if let rotary {
                rotaryApply(
                    activation(a.qkv), positions: positionsPointer, rows: rows, rowStride: qkvWidth,
                    rotatedHeads: config.heads + config.kvHeads, table: rotary, inverse: false)
            }
            attentionForward(
                activation(a.attentionOutput), probabilities: activation(a.probabilities),
                qkv: activation(a.qkv), keyMask: maskHasPadding ? activation(s.keyMask) : nil,
                shape: attentionShape)
            projectionForward(
                .attentionOutput, layer: l, out: activation(a.residual2), inp: activation(a.attentionOutput),
                loraIntermediate: activation(a.loraAttentionProjection), rows: rows)
            residualAdd(activation(a.residual2), input, count: rows * C)
            normForward(
                activation(a.norm2), mean: activation(a.norm2Mean), rstd: activation(a.norm2Rstd),
                input: activation(a.residual2), weight: w.norm2Weight, bias: w.norm2Bias, rows: rows)
            projectionForward(
                .mlpUp, layer: l, out: activation(a.fc), inp: activation(a.norm2),
                loraIntermediate: activation(a.loraFC), rows: rows)
            if gpt2 {
                geluForward(activation(a.fcActivation), activation(a.fc), count: rows * hidden)
            } else {
                swigluForward(activation(a.fcActivation), activation(a.fc), rows: rows, hidden: hidden)
            }
            projectionForward(
                .mlpDown, layer: l, out: activation(a.residual3), inp: activation(a.fcActivation),
                loraIntermediate: activation(a.loraFCProjection), rows: rows)
            residualAdd(activation(a.residual3), activation(a.residual2), count: rows * C)
        }

        let last = s.layers[config.layers - 1].residual3
        normForward(
            activation(s.finalNorm), mean: activation(s.finalMean), rstd: activation(s.finalRstd),
            input: activation(last), weight: layout.finalNormWeight, bias: layout.finalNormBias, rows: rows)
        if outputs.contains(.languageModel) {
            linearForward(
                activation(s.logits), activation(s.finalNorm), parameters + layout.languageModelHead, nil,
                rows: rows, inDim: C, outDim: config.vocabSize)
            if logitTemperature != 1 {
                scaleInPlace(activation(s.logits), rows * config.vocabSize, by: 1 / logitTemperature)
            }
            softmaxWithTargetLogProbs(
                activation(s.logits), targets: targetsPointer,
                targetLogProbs: activation(s.targetLogProbs), rows: rows,
                vocabulary: config.vocabSize)
        }
        if outputs.contains(.scalar) {
            linearForward(
                activation(s.values), activation(s.finalNorm), parameters + layout.scalarHead, nil,
                rows: rows, inDim: C, outDim: 1)
        }
    }

    /// LayerNorm for GPT-2 (weight and bias), RMSNorm for Llama (weight only; `mean` is left alone), with
    /// the config's epsilon. `weight` and `bias` are offsets in ``parameters``.
    func normForward(
        _ out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
        input: UnsafePointer<Float>, weight: Int, bias: Int, rows: Int
    ) {
        if config.architecture == .gpt2 {
            layerNormForward(
                out, mean: mean, rstd: rstd, input, weight: parameters + weight, bias: parameters + bias, rows: rows,
                channels: config.width, epsilon: config.normEpsilon)
        } else {
            rmsNormForward(
                out, rstd: rstd, input, weight: parameters + weight, rows: rows, channels: config.width,
                epsilon: config.normEpsilon)
        }
    }

    // MARK: Results of the last forward pass

    /// log p(target) per position of the last forward pass, row-major [batch, length]; 0 without a target.
    public var targetLogProbs: UnsafeBufferPointer<Float> {
        guard let s = shape else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: activation(s.targetLogProbs), count: s.batch * s.length)
    }

    /// The scalar head per position of the last forward pass run with `.scalar`, [batch, length].
    public var scalarOutputs: UnsafeBufferPointer<Float> {
        guard let s = shape else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: activation(s.values), count: s.batch * s.length)
    }

    /// The next-token distribution at (row, position) from the last forward pass with `.languageModel`.
    /// Only valid until ``backward(logProbGradients:valueGradients:)``, which overwrites it with gradients.
    public func probabilities(row: Int, position: Int) -> UnsafeBufferPointer<Float> {
        let s = shape!
        return UnsafeBufferPointer(
            start: activation(s.logits) + (row * s.length + position) * config.vocabSize, count: config.vocabSize)
    }
}
