import Foundation

/// Picks a token from one row of logits under ``SamplingSettings`` and reports its log-probability under the
/// distribution actually sampled from. Scratch space is owned, so choosing allocates nothing.
struct TokenChooser {
    let vocabulary: Int
    let settings: SamplingSettings
    let probabilities: UnsafeMutablePointer<Float>
    var order: [Int32]

    init(vocabulary: Int, settings: SamplingSettings) {
        self.vocabulary = vocabulary
        self.settings = settings
        probabilities = .allocate(capacity: vocabulary)
        order = Array(0..<Int32(vocabulary))
    }

    func deallocate() { probabilities.deallocate() }

    mutating func choose(_ logits: UnsafePointer<Float>, random: inout EngineRandom) -> (token: Int32, logProb: Float) {
        if settings.temperature == 0 {
            var best = 0
            for i in 1..<vocabulary where logits[i] > logits[best] { best = i }
            return (Int32(best), 0)
        }
        let p = probabilities
        let inverseTemperature = 1 / settings.temperature
        for i in 0..<vocabulary { p[i] = logits[i] * inverseTemperature }
        let filtered = settings.topK > 0 && settings.topK < vocabulary || settings.topP < 1
        var kept = vocabulary
        if filtered {
            // Most likely first; ties broken by token id so the choice is deterministic.
            for i in 0..<vocabulary { order[i] = Int32(i) }
            order.sort { p[Int($0)] > p[Int($1)] || (p[Int($0)] == p[Int($1)] && $0 < $1) }
            if settings.topK > 0 { kept = min(kept, settings.topK) }
        }
        let largest = filtered ? p[Int(order[0])] : maximum(p, vocabulary)
        let total = exponentiateInPlace(p, vocabulary, shift: largest)
        scaleInPlace(p, vocabulary, by: 1 / total)
        if filtered {
            var mass: Float = 0
            for k in 0..<kept { mass += p[Int(order[k])] }
            if settings.topP < 1 {
                var cumulative: Float = 0
                var cut = kept
                for k in 0..<kept {
                    cumulative += p[Int(order[k])] / mass
                    if cumulative >= settings.topP {
                        cut = k + 1
                        break
                    }
                }
                kept = cut
                mass = 0
                for k in 0..<kept { mass += p[Int(order[k])] }
            }
            let u = random.nextUniform() * mass
            var cumulative: Float = 0
            for k in 0..<kept {
                let token = Int(order[k])
                cumulative += p[token]
                if u < cumulative || k == kept - 1 { return (Int32(token), Foundation.log(p[token] / mass)) }
            }
        }
        let u = random.nextUniform()
        var cumulative: Float = 0
        var last = 0
        for token in 0..<vocabulary where p[token] > 0 {
            cumulative += p[token]
            last = token
            if u < cumulative { return (Int32(token), Foundation.log(p[token])) }
        }
        return (Int32(last), Foundation.log(p[last]))  // rounding left u past the total
    }
}
