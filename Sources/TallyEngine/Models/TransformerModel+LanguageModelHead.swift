extension TransformerModel {
    /// The language-model head on the final norm's output: logits, softmax in place, and log p(target) per
    /// position. With `targetsOnly`, only at the positions that have a target, gathered into a compact matrix
    /// (their positions and targets kept in the integer arena for the backward pass).
    func languageModelHeadForward(layout s: ActivationLayout, targetsOnly: Bool) {
        let rows = s.batch * s.length
        let C = config.width
        let V = config.vocabSize
        let weight = parameters + layout.languageModelHead
        let logits = activation(s.logits)
        guard targetsOnly else {
            gatheredHeadRows = nil
            linearForward(logits, activation(s.finalNorm), weight, nil, rows: rows, inDim: C, outDim: V)
            softmaxWithTargetLogProbs(
                logits, targets: targetsPointer, targetLogProbs: activation(s.targetLogProbs), rows: rows,
                vocabulary: V)
            return
        }
        let positions = headPositionsPointer
        let headTargets = headTargetsPointer
        let targets = targetsPointer
        var count = 0
        for i in 0..<rows where targets[i] >= 0 {
            positions[count] = Int32(i)
            headTargets[count] = targets[i]
            count += 1
        }
        gatheredHeadRows = count
        let logProbs = activation(s.targetLogProbs)
        logProbs.update(repeating: 0, count: rows)
        guard count > 0 else { return }
        gatherRows(activation(s.headInput), activation(s.finalNorm), indices: positions, count: count, channels: C)
        linearForward(logits, activation(s.headInput), weight, nil, rows: count, inDim: C, outDim: V)
        let gathered = activation(s.headLogProbs)
        softmaxWithTargetLogProbs(logits, targets: headTargets, targetLogProbs: gathered, rows: count, vocabulary: V)
        for k in 0..<count { logProbs[Int(positions[k])] = gathered[k] }
    }

    /// Backward of ``languageModelHeadForward(layout:targetsOnly:)`` for the loss weights in `logProbWeights`:
    /// writes the gradient at the final norm's output into `dNorm` and adds the head's weight gradient.
    func languageModelHeadBackward(layout s: ActivationLayout, dNorm: UnsafeMutablePointer<Float>) {
        let rows = s.batch * s.length
        let C = config.width
        let V = config.vocabSize
        let weight = parameters + layout.languageModelHead
        let weightGradient = gradient(
            layout.languageModelHead, config.tiedEmbeddings ? .embeddings : .languageModelHead)
        let dLogits = activation(s.logits)
        guard let count = gatheredHeadRows else {
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
        linearBackward(
            dinp: activation(s.dHeadInput), dweight: weightGradient, dbias: nil, dout: dLogits,
            inp: activation(s.headInput), weight: weight, rows: count, inDim: C, outDim: V)
        scatterRows(dNorm, activation(s.dHeadInput), indices: positions, count: count, rows: rows, channels: C)
    }

    /// The row of the logits that holds `position`'s distribution after the last forward pass.
    func headRow(ofPosition position: Int) -> Int {
        guard let count = gatheredHeadRows else { return position }
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
