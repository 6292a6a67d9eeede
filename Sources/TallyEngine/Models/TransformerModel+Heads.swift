extension TransformerModel {
    /// Chooses the positions the last forward pass computes its outputs at, before it runs: the targets for
    /// ``ForwardOutputs/targetsOnly``, each sequence's last token for ``ForwardOutputs/lastTokensOnly`` (without
    /// `.languageModel`), else every position. Their flat indices (increasing) and targets go to the integer arena.
    ///
    /// When only those positions are read, the last block runs after its attention on their rows alone, packed
    /// first (``compactLastBlock``): its keys and values still come from every position. A scalar head wanted
    /// at every position beside a language-model head at the targets keeps every row.
    func selectOutputPositions(layout s: ActivationLayout, outputs: ForwardOutputs) {
        outputPositionCount = nil
        compactLastBlock = false
        let rows = s.batch * s.length
        let positions = headPositionsPointer
        let headTargets = headTargetsPointer
        let targets = targetsPointer
        let languageModel = outputs.contains(.languageModel)
        let scalar = outputs.contains(.scalar)
        var count = 0
        if languageModel && outputs.contains(.targetsOnly) {
            for i in 0..<rows where targets[i] >= 0 {
                positions[count] = Int32(i)
                headTargets[count] = targets[i]
                count += 1
            }
        } else if scalar && !languageModel && outputs.contains(.lastTokensOnly) {
            for sequence in s.attention.sequences {
                var last = sequence.start
                if maskHasPadding {
                    let mask = activation(s.keyMask)
                    for i in sequence.start..<(sequence.start + sequence.length) where mask[i] != 0 { last = i }
                } else {
                    last = sequence.start + sequence.length - 1
                }
                positions[count] = Int32(last)
                headTargets[count] = -1
                count += 1
            }
        } else {
            return
        }
        outputPositionCount = count
        compactLastBlock = count > 0 && !(languageModel && scalar)
    }

    /// The language-model head on the final norm's output: logits (divided by the temperature), softmax in place,
    /// and log p(target) per position. At the chosen output positions only when there are some (their rows are the final norm's first
    /// rows when the last block was compacted, else gathered).
    func languageModelHeadForward(layout s: ActivationLayout) {
        let rows = s.batch * s.length
        let C = config.width
        let V = config.vocabSize
        let weight = parameters + layout.languageModelHead
        let logits = activation(s.logits)
        guard let count = outputPositionCount else {
            linearForward(logits, activation(s.finalNorm), weight, nil, rows: rows, inDim: C, outDim: V)
            if logitTemperature != 1 { scaleInPlace(logits, rows * V, by: 1 / logitTemperature) }
            softmaxWithTargetLogProbs(
                logits, targets: targetsPointer, targetLogProbs: activation(s.targetLogProbs), rows: rows,
                vocabulary: V)
            return
        }
        let positions = headPositionsPointer
        let logProbs = activation(s.targetLogProbs)
        logProbs.update(repeating: 0, count: rows)
        guard count > 0 else { return }
        var input = activation(s.finalNorm)
        if !compactLastBlock {
            gatherRows(activation(s.headInput), input, indices: positions, count: count, channels: C)
            input = activation(s.headInput)
        }
        linearForward(logits, input, weight, nil, rows: count, inDim: C, outDim: V)
        if logitTemperature != 1 { scaleInPlace(logits, count * V, by: 1 / logitTemperature) }
        let gathered = activation(s.headLogProbs)
        softmaxWithTargetLogProbs(
            logits, targets: headTargetsPointer, targetLogProbs: gathered, rows: count, vocabulary: V)
        for k in 0..<count { logProbs[Int(positions[k])] = gathered[k] }
    }

    /// Backward of ``languageModelHeadForward(layout:)`` for the loss weights in `logProbWeights`: writes the
    /// gradient at the final norm's output into `dNorm` (its first rows when compacted) and adds the head's
    /// weight gradient.
    func languageModelHeadBackward(layout s: ActivationLayout, dNorm: UnsafeMutablePointer<Float>) {
        let rows = s.batch * s.length
        let C = config.width
        let V = config.vocabSize
        let weight = parameters + layout.languageModelHead
        let weightGradient = gradient(
            layout.languageModelHead, config.tiedEmbeddings ? .embeddings : .languageModelHead)
        let dLogits = activation(s.logits)
        guard let count = outputPositionCount else {
            crossEntropyBackward(
                dLogits, targets: targetsPointer, weights: activation(s.logProbWeights), rows: rows, vocabulary: V)
            linearBackward(
                dinp: dNorm, dweight: weightGradient, dbias: nil, dout: dLogits, inp: activation(s.finalNorm),
                weight: weight, rows: rows, inDim: C, outDim: V)
            return
        }
        guard count > 0 else {
            dNorm.update(repeating: 0, count: rows * C)
            return
        }
        let positions = headPositionsPointer
        let allWeights = activation(s.logProbWeights)
        let weights = activation(s.headWeights)
        for k in 0..<count { weights[k] = allWeights[Int(positions[k])] }
        crossEntropyBackward(dLogits, targets: headTargetsPointer, weights: weights, rows: count, vocabulary: V)
        if compactLastBlock {
            linearBackward(
                dinp: dNorm, dweight: weightGradient, dbias: nil, dout: dLogits, inp: activation(s.finalNorm),
                weight: weight, rows: count, inDim: C, outDim: V)
            return
        }
        linearBackward(
            dinp: activation(s.dHeadInput), dweight: weightGradient, dbias: nil, dout: dLogits,
            inp: activation(s.headInput), weight: weight, rows: count, inDim: C, outDim: V)
        scatterRows(dNorm, activation(s.dHeadInput), indices: positions, count: count, rows: rows, channels: C)
    }

    /// The scalar head on the final norm's output: at every position, or, when the last block was compacted,
    /// at the chosen positions (zero elsewhere).
    func scalarHeadForward(layout s: ActivationLayout) {
        let rows = s.batch * s.length
        let weight = parameters + layout.scalarHead
        guard compactLastBlock, let count = outputPositionCount else {
            linearForward(
                activation(s.values), activation(s.finalNorm), weight, nil, rows: rows, inDim: config.width, outDim: 1)
            return
        }
        let compact = activation(s.headLogProbs)
        linearForward(compact, activation(s.finalNorm), weight, nil, rows: count, inDim: config.width, outDim: 1)
        let values = activation(s.values)
        values.update(repeating: 0, count: rows)
        let positions = headPositionsPointer
        for k in 0..<count { values[Int(positions[k])] = compact[k] }
    }

    /// Backward of ``scalarHeadForward(layout:)`` for the gradients in `valueGradients`: adds to `dNorm` and to
    /// the head's weight gradient.
    func scalarHeadBackward(layout s: ActivationLayout, dNorm: UnsafeMutablePointer<Float>) {
        var dout = activation(s.valueGradients)
        var rows = s.batch * s.length
        if compactLastBlock, let count = outputPositionCount {
            let compact = activation(s.headWeights)
            let positions = headPositionsPointer
            for k in 0..<count { compact[k] = dout[Int(positions[k])] }
            dout = compact
            rows = count
        }
        linearBackward(
            dinp: dNorm, dweight: gradient(layout.scalarHead, .scalarHead), dbias: nil, dout: dout,
            inp: activation(s.finalNorm), weight: parameters + layout.scalarHead, rows: rows, inDim: config.width,
            outDim: 1, accumulateInput: true)
    }

    /// The row of the logits that holds `position`'s distribution after the last forward pass.
    func headRow(ofPosition position: Int) -> Int {
        guard let count = outputPositionCount else { return position }
        let positions = UnsafeBufferPointer(start: headPositionsPointer, count: count)
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if Int(positions[middle]) < position { low = middle + 1 } else { high = middle }
        }
        precondition(
            low < count && Int(positions[low]) == position,
            "position \(position) has no target: the forward pass ran with .targetsOnly")
        return low
    }
}
