import Foundation

/// Which outputs a forward pass computes.
public struct ForwardOutputs: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Next-token probabilities and the targets' log-probabilities (the language-model head).
    public static let languageModel = ForwardOutputs(rawValue: 1)
    /// The scalar head on every token (values; rewards read it at the last real token).
    public static let scalar = ForwardOutputs(rawValue: 2)
    /// With `.languageModel`: the outputs only at the positions that have a target, which is all a loss on the
    /// targets needs (SFT's and DPO's losses, a completion's log-probability). The head, the softmax and the
    /// last block after its attention skip every other position (the prompts); ``targetLogProbs`` is 0 there
    /// and ``TransformerModel/probabilities(row:position:)`` answers only at the targets.
    public static let targetsOnly = ForwardOutputs(rawValue: 4)
    /// With `.scalar` and without `.languageModel`: the scalar head only at each sequence's last real token, where
    /// ``TransformerModel/rewards(_:)`` reads a reward; the last block after its attention skips every other
    /// position, and ``scalarOutputs`` is 0 there.
    public static let lastTokensOnly = ForwardOutputs(rawValue: 8)
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
        let s = activationLayout(for: batch)
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
        if let lengths = batch.packedLengths {
            guard batch.batchSize == 1, batch.attentionMask == nil, lengths.reduce(0, +) == batch.length,
                lengths.allSatisfy({ $0 > 0 })
            else {
                throw EngineError.invalidBatch(
                    "a packed batch is one row without an attention mask, its length the sum of its sequences' "
                        + "positive lengths")
            }
            if let long = lengths.firstIndex(where: { $0 > config.contextLength }) {
                throw EngineError.invalidBatch(
                    "packed sequence \(long) has length \(lengths[long]), more than the context length "
                        + "\(config.contextLength)")
            }
        } else if batch.length > config.contextLength {
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
        if let lengths = batch.packedLengths {
            var start = 0
            for count in lengths {
                for t in 0..<count { positions[start + t] = Int32(t) }
                start += count
            }
            return
        }
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
    /// The positions the language-model head ran at, in order, when gathered (``ForwardOutputs/targetsOnly``).
    var headPositionsPointer: UnsafeMutablePointer<Int32> { integerArena! + 3 * shape!.batch * shape!.length }
    /// Their targets.
    var headTargetsPointer: UnsafeMutablePointer<Int32> { integerArena! + 4 * shape!.batch * shape!.length }

    func forwardPass(layout s: ActivationLayout, outputs: ForwardOutputs) {
        let rows = s.batch * s.length
        let C = config.width
        let gpt2 = config.architecture == .gpt2
        let attentionShape = s.attention
        let qkvWidth = attentionShape.rowStride
        let hidden = config.mlpWidth

        selectOutputPositions(layout: s, outputs: outputs)
        // The compacted last block's rows after its attention: the output positions, packed first.
        let outputRows = compactLastBlock ? outputPositionCount! : rows
        embeddingForward(
            activation(s.embedded), tokens: tokensPointer, positions: positionsPointer,
            tokenTable: parameters + layout.tokenEmbedding, positionTable: parameter(layout.positionEmbedding),
            rows: rows, channels: C)

        for l in 0..<config.layers {
            let w = layout.layers[l]
            let a = s.layers[l]
            let input = activation(a.input)
            let compact = compactLastBlock && l == config.layers - 1
            let blockRows = compact ? outputRows : rows
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
            if compact {
                compactRows(
                    activation(a.attentionOutput), indices: headPositionsPointer, count: blockRows,
                    channels: config.attentionWidth)
            }
            projectionForward(
                .attentionOutput, layer: l, out: activation(a.residual2), inp: activation(a.attentionOutput),
                loraIntermediate: activation(a.loraAttentionProjection), rows: blockRows)
            if compact {
                gatherRows(
                    activation(a.residual2), input, indices: headPositionsPointer, count: blockRows, channels: C,
                    accumulate: true)
            } else {
                residualAdd(activation(a.residual2), input, count: rows * C)
            }
            normForward(
                activation(a.norm2), mean: activation(a.norm2Mean), rstd: activation(a.norm2Rstd),
                input: activation(a.residual2), weight: w.norm2Weight, bias: w.norm2Bias, rows: blockRows)
            projectionForward(
                .mlpUp, layer: l, out: activation(a.fc), inp: activation(a.norm2),
                loraIntermediate: activation(a.loraFC), rows: blockRows)
            if gpt2 {
                geluForward(activation(a.fcActivation), activation(a.fc), count: blockRows * hidden)
            } else {
                swigluForward(activation(a.fcActivation), activation(a.fc), rows: blockRows, hidden: hidden)
            }
            projectionForward(
                .mlpDown, layer: l, out: activation(a.residual3), inp: activation(a.fcActivation),
                loraIntermediate: activation(a.loraFCProjection), rows: blockRows)
            residualAdd(activation(a.residual3), activation(a.residual2), count: blockRows * C)
        }

        let last = s.layers[config.layers - 1].residual3
        normForward(
            activation(s.finalNorm), mean: activation(s.finalMean), rstd: activation(s.finalRstd),
            input: activation(last), weight: layout.finalNormWeight, bias: layout.finalNormBias, rows: outputRows)
        if outputs.contains(.languageModel) { languageModelHeadForward(layout: s) }
        if outputs.contains(.scalar) { scalarHeadForward(layout: s) }
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

    /// The next-token distribution at (row, position) from the last forward pass with `.languageModel` (with
    /// `.targetsOnly`, only at a position that has a target). Only valid until
    /// ``backward(logProbGradients:valueGradients:)``, which overwrites it with gradients.
    public func probabilities(row: Int, position: Int) -> UnsafeBufferPointer<Float> {
        let s = shape!
        let index = headRow(ofPosition: row * s.length + position)
        return UnsafeBufferPointer(start: activation(s.logits) + index * config.vocabSize, count: config.vocabSize)
    }
}
