import Foundation

extension TransformerModel {
    /// The backward pass of the last ``forward(_:outputs:)``: adds to ``gradients`` (and the adapters'
    /// gradients) the gradient of a loss L given through its partial derivatives:
    ///
    /// - `logProbGradients[row·length + t]` = ∂L/∂ log p(target at t) (e.g. −1/n on the n completion tokens
    ///   for the mean negative log-likelihood; 0 on prompt and padding);
    /// - `valueGradients[row·length + t]` = ∂L/∂ scalar head at t (a reward model sets only the last real
    ///   token of each row).
    ///
    /// Pass nil for an output the loss does not use; each must have been computed by the forward pass.
    public func backward(logProbGradients: [Float]?, valueGradients: [Float]?) throws {
        guard let s = shape, let outputs = lastOutputs else {
            throw EngineError.invalidArgument("backward needs a forward pass first")
        }
        let rows = s.batch * s.length
        if let logProbGradients {
            guard outputs.contains(.languageModel), logProbGradients.count == rows else {
                throw EngineError.invalidArgument(
                    "logProbGradients needs \(rows) values and a forward pass with .languageModel")
            }
            // With logits divided by T, ∂L/∂logits = (1/T) ∂L/∂(logits/T): the cross-entropy weights carry the 1/T.
            let weights = activation(s.logProbWeights)
            let scale = -1 / logitTemperature
            for i in 0..<rows { weights[i] = scale * logProbGradients[i] }
        }
        if let valueGradients {
            guard outputs.contains(.scalar), valueGradients.count == rows else {
                throw EngineError.invalidArgument("valueGradients needs \(rows) values and a forward pass with .scalar")
            }
            valueGradients.withUnsafeBufferPointer {
                activation(s.valueGradients).update(from: $0.baseAddress!, count: rows)
            }
        }
        backwardPass(layout: s, languageModel: logProbGradients != nil, scalar: valueGradients != nil)
        lastOutputs = nil  // the probabilities are now gradients
    }

    func backwardPass(layout s: ActivationLayout, languageModel: Bool, scalar: Bool) {
        let rows = s.batch * s.length
        let C = config.width
        let gpt2 = config.architecture == .gpt2
        let attentionShape = s.attention
        let qkvWidth = attentionShape.rowStride
        let hidden = config.mlpWidth

        let dResidual = activation(s.dResidual)
        let dNorm = activation(s.dNorm)
        dResidual.update(repeating: 0, count: rows * C)
        // With the last block compacted, its gradients after the attention live in the first rows.
        let outputRows = compactLastBlock ? outputPositionCount! : rows

        // Heads: the gradient at the final norm's output gathers in dNorm.
        if languageModel {
            languageModelHeadBackward(layout: s, dNorm: dNorm)
        } else {
            dNorm.update(repeating: 0, count: rows * C)
        }
        if scalar { scalarHeadBackward(layout: s, dNorm: dNorm) }
        let last = s.layers[config.layers - 1].residual3
        normBackward(
            dinp: dResidual, dout: dNorm, input: activation(last), weight: layout.finalNormWeight,
            bias: layout.finalNormBias, mean: s.finalMean, rstd: s.finalRstd, group: .finalNorm, rows: outputRows,
            scratch: activation(s.reduceScratch))

        let dQKV = activation(s.dQKV)
        let dAttention = activation(s.dAttentionOutput)
        let dFC = activation(s.dFC)
        let dFCActivation = activation(s.dFCActivation)
        for l in stride(from: config.layers - 1, through: 0, by: -1) {
            let w = layout.layers[l]
            let a = s.layers[l]
            let g = ParameterGroup.layer(l)
            let compact = compactLastBlock && l == config.layers - 1
            let blockRows = compact ? outputRows : rows
            // MLP: residual3 = residual2 + fcProj(act(fc(norm2(residual2)))).
            projectionBackward(
                .mlpDown, layer: l, dinp: dFCActivation, dout: dResidual, inp: activation(a.fcActivation),
                loraIntermediate: activation(a.loraFCProjection), loraScratch: activation(s.dLoRA), rows: blockRows)
            if gpt2 {
                geluBackward(dinp: dFC, inp: activation(a.fc), dout: dFCActivation, count: blockRows * hidden)
            } else {
                swigluBackward(
                    dinp: dFC, inp: activation(a.fc), dout: dFCActivation, rows: blockRows, hidden: hidden)
            }
            projectionBackward(
                .mlpUp, layer: l, dinp: dNorm, dout: dFC, inp: activation(a.norm2),
                loraIntermediate: activation(a.loraFC), loraScratch: activation(s.dLoRA), rows: blockRows)
            normBackward(
                dinp: dResidual, dout: dNorm, input: activation(a.residual2), weight: w.norm2Weight,
                bias: w.norm2Bias, mean: a.norm2Mean, rstd: a.norm2Rstd, group: g, rows: blockRows,
                scratch: activation(s.reduceScratch))
            // Attention: residual2 = input + proj(attention(qkv(norm1(input)))).
            let dProjectionInput = compact ? activation(s.dHeadInput) : dAttention
            projectionBackward(
                .attentionOutput, layer: l, dinp: dProjectionInput, dout: dResidual,
                inp: activation(a.attentionOutput), loraIntermediate: activation(a.loraAttentionProjection),
                loraScratch: activation(s.dLoRA), rows: blockRows)
            if compact {
                // Back to every row: the attention and the blocks below see all positions (zero elsewhere).
                let scratch = activation(s.dHeadInput)
                scatterRows(
                    dAttention, scratch, indices: headPositionsPointer, count: blockRows, rows: rows,
                    channels: config.attentionWidth)
                scratch.update(from: dResidual, count: blockRows * C)
                scatterRows(
                    dResidual, scratch, indices: headPositionsPointer, count: blockRows, rows: rows, channels: C)
            }
            attentionBackward(
                dqkv: dQKV, dout: dAttention, probabilities: activation(a.probabilities),
                qkv: activation(a.qkv), shape: attentionShape, scratch: activation(s.attentionScratch))
            if let rotary {
                rotaryApply(
                    dQKV, positions: positionsPointer, rows: rows, rowStride: qkvWidth,
                    rotatedHeads: config.heads + config.kvHeads, table: rotary, inverse: true)
            }
            projectionBackward(
                .attention, layer: l, dinp: dNorm, dout: dQKV, inp: activation(a.norm1),
                loraIntermediate: activation(a.loraQKV), loraScratch: activation(s.dLoRA), rows: rows)
            normBackward(
                dinp: dResidual, dout: dNorm, input: activation(a.input), weight: w.norm1Weight,
                bias: w.norm1Bias, mean: a.norm1Mean, rstd: a.norm1Rstd, group: g, rows: rows,
                scratch: activation(s.reduceScratch))
        }
        if !frozenGroups.contains(.embeddings) {
            embeddingBackward(
                tokenTableGradient: gradients + layout.tokenEmbedding,
                positionTableGradient: layout.positionEmbedding >= 0 ? gradients + layout.positionEmbedding : nil,
                dout: dResidual, tokens: tokensPointer, positions: positionsPointer, rows: rows, channels: C)
        }
    }

    func normBackward(
        dinp: UnsafeMutablePointer<Float>, dout: UnsafeMutablePointer<Float>,
        input: UnsafeMutablePointer<Float>, weight: Int, bias: Int, mean: Int, rstd: Int,
        group: ParameterGroup, rows: Int, scratch: UnsafeMutablePointer<Float>
    ) {
        if config.architecture == .gpt2 {
            layerNormBackward(
                dinp: dinp, dweight: gradient(weight, group), dbias: gradient(bias, group), dout: dout,
                inp: input, weight: parameters + weight, mean: activation(mean), rstd: activation(rstd),
                rows: rows, channels: config.width, scratch: scratch)
        } else {
            rmsNormBackward(
                dinp: dinp, dweight: gradient(weight, group), dout: dout, inp: input,
                weight: parameters + weight, rstd: activation(rstd), rows: rows, channels: config.width,
                scratch: scratch)
        }
    }
}
