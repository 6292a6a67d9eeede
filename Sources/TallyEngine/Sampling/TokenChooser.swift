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

    /// Puts the `count` most likely tokens of `scores`, most likely first, in `order[0..<count]`; ties go to
    /// the lower token id so the choice is deterministic. A min-heap of `count` keeps this O(V log count).
    mutating func selectMostLikely(_ count: Int, from scores: UnsafePointer<Float>) {
        func before(_ a: Int32, _ b: Int32) -> Bool {  // a ranks above b
            scores[Int(a)] > scores[Int(b)] || (scores[Int(a)] == scores[Int(b)] && a < b)
        }
        order.withUnsafeMutableBufferPointer { heap in
            // heap[0..<count] is a heap whose root is the lowest-ranked token kept so far.
            func siftDown(_ start: Int) {
                var i = start
                while true {
                    let left = 2 * i + 1
                    if left >= count { return }
                    var lowest = left
                    if left + 1 < count && before(heap[lowest], heap[left + 1]) { lowest = left + 1 }
                    if before(heap[lowest], heap[i]) { return }
                    heap.swapAt(i, lowest)
                    i = lowest
                }
            }
            for i in 0..<count { heap[i] = Int32(i) }
            for i in stride(from: count / 2 - 1, through: 0, by: -1) { siftDown(i) }
            for token in count..<vocabulary where before(Int32(token), heap[0]) {
                heap[0] = Int32(token)
                siftDown(0)
            }
            heap[0..<count].sort(by: before)
        }
    }

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
            kept = settings.topK > 0 ? min(vocabulary, settings.topK) : vocabulary
            selectMostLikely(kept, from: p)
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
