extension TransformerModel {
    /// Where one of a layer's four projections keeps its weight and bias, and its shape.
    struct Projection {
        /// Offsets in ``parameters`` (the bias is −1 when the architecture has none).
        var weight: Int, bias: Int
        var inDim: Int, outDim: Int
    }

    /// The projection of layer `layer` that LoRA target `target` names.
    func projection(_ target: LoRATarget, layer: Int) -> Projection {
        let w = layout.layers[layer]
        let C = config.width
        switch target {
        case .attention:
            return Projection(weight: w.qkvWeight, bias: w.qkvBias, inDim: C, outDim: config.qkvWidth)
        case .attentionOutput:
            return Projection(
                weight: w.attentionProjectionWeight, bias: w.attentionProjectionBias, inDim: config.attentionWidth,
                outDim: C)
        case .mlpUp:
            return Projection(weight: w.fcWeight, bias: w.fcBias, inDim: C, outDim: config.fcWidth)
        case .mlpDown:
            return Projection(
                weight: w.fcProjectionWeight, bias: w.fcProjectionBias, inDim: config.mlpWidth, outDim: C)
        }
    }

    /// out[rows, outDim] = inp · Wᵀ + b for one of a layer's projections, plus its LoRA adapter's part when
    /// adapters are active (`loraIntermediate` keeps the adapter's inp · Aᵀ for the backward pass).
    func projectionForward(
        _ target: LoRATarget, layer: Int, out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        loraIntermediate: UnsafeMutablePointer<Float>, rows: Int
    ) {
        let p = projection(target, layer: layer)
        linearForward(out, inp, parameters + p.weight, parameter(p.bias), rows: rows, inDim: p.inDim, outDim: p.outDim)
        activeLoRA?.forward(target, layer: layer, out: out, inp: inp, intermediate: loraIntermediate, rows: rows)
    }

    /// Backward of ``projectionForward(_:layer:out:inp:loraIntermediate:rows:)``: writes dinp, adds to the
    /// weight and bias gradients (unless the layer is frozen) and to the adapter's.
    func projectionBackward(
        _ target: LoRATarget, layer: Int, dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        inp: UnsafePointer<Float>, loraIntermediate: UnsafePointer<Float>, loraScratch: UnsafeMutablePointer<Float>,
        rows: Int
    ) {
        let p = projection(target, layer: layer)
        let group = ParameterGroup.layer(layer)
        linearBackward(
            dinp: dinp, dweight: gradient(p.weight, group), dbias: gradient(p.bias, group), dout: dout, inp: inp,
            weight: parameters + p.weight, rows: rows, inDim: p.inDim, outDim: p.outDim)
        activeLoRA?.backward(
            target, layer: layer, dinp: dinp, dout: dout, inp: inp, intermediate: loraIntermediate,
            scratch: loraScratch, rows: rows)
    }
}
