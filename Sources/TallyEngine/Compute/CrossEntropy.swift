import Foundation

// The language-model loss: softmax over the vocabulary, the target's log-probability, and the gradient of
// a weighted sum of −log p(target). Rows whose weight is zero (prompt tokens, padding) add nothing.

/// Turns each row of `logits` into probabilities in place and writes log p(targets[row]) into
/// `targetLogProbs[row]` (0 where the target is negative, i.e. absent).
func softmaxWithTargetLogProbs(
    _ logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>, targetLogProbs: UnsafeMutablePointer<Float>,
    rows: Int, vocabulary: Int
) {
    let profileStart = EngineProfile.start()
    defer { EngineProfile.stop(.softmaxLoss, profileStart) }
    parallelRanges(rows, minimumPerThread: max(1, 8192 / vocabulary)) { range in
        for row in range {
            let x = logits + row * vocabulary
            let largest = maximum(x, vocabulary)
            let target = Int(targets[row])
            let targetLogit = target >= 0 ? x[target] : 0
            let total = exponentiateInPlace(x, vocabulary, shift: largest)
            scaleInPlace(x, vocabulary, by: 1 / total)
            targetLogProbs[row] = target >= 0 ? targetLogit - largest - Foundation.log(total) : 0
        }
    }
}

/// Gradient of L = Σ_row weights[row] · (−log p(targets[row])) with respect to the logits, written over the
/// probabilities in place: dlogits = weight · (p − onehot(target)).
func crossEntropyBackward(
    _ probabilities: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>, weights: UnsafePointer<Float>,
    rows: Int, vocabulary: Int
) {
    let profileStart = EngineProfile.start()
    defer { EngineProfile.stop(.softmaxLoss, profileStart) }
    parallelRanges(rows, minimumPerThread: max(1, 8192 / vocabulary)) { range in
        for row in range {
            let x = probabilities + row * vocabulary
            let target = Int(targets[row])
            let weight = weights[row]
            if target < 0 || weight == 0 {
                x.initialize(repeating: 0, count: vocabulary)
                continue
            }
            scaleInPlace(x, vocabulary, by: weight)
            x[target] -= weight
        }
    }
}
