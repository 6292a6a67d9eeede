import Foundation

/// Incremental decoding with a key/value cache: each token runs through the model once, its keys and values
/// are kept per (layer, sequence, key/value head, position), and later tokens attend to them.
///
/// One call to ``forward(tokens:sequences:positions:logitsFor:)`` takes any list of (sequence, position,
/// token) entries: a whole batch of prompts at once (prefill), or one new token per sequence (decode). All
/// entries' keys and values are written before attention, so an entry sees every earlier position of its
/// own sequence, including those written in the same call. Sequences never see each other, so prompts of
/// different lengths need no padding.
///
/// ```swift
/// let decoder = KVCacheDecoder(model: model, sequences: 2, capacity: 64, maxEntries: 16)
/// let logits = try decoder.forward(tokens: [5, 6, 7], sequences: [0, 0, 1], positions: [0, 1, 0],
///                              logitsFor: [1, 2])   // next-token logits after "5 6" and after "7"
/// ```
public final class KVCacheDecoder {
    let model: TransformerModel
    /// How many sequences the cache holds.
    public let sequences: Int
    /// Positions per sequence the cache holds.
    public let capacity: Int
    /// The most entries one forward call takes.
    public let maxEntries: Int
    let keys: UnsafeMutablePointer<Float>
    let values: UnsafeMutablePointer<Float>
    let scratch: UnsafeMutablePointer<Float>
    let integers: UnsafeMutablePointer<Int32>
    private let offsets: Offsets

    struct Offsets {
        var x = 0, norm = 0, mean = 0, rstd = 0, qkv = 0, attention = 0, projected = 0, fc = 0, activation = 0
        var scores = 0, selected = 0, logits = 0, lora = 0, count = 0
    }

    public init(model: TransformerModel, sequences: Int, capacity: Int, maxEntries: Int) {
        self.model = model
        self.sequences = sequences
        self.capacity = min(capacity, model.config.contextLength)
        self.maxEntries = maxEntries
        let config = model.config
        let cacheCount = config.layers * sequences * config.kvHeads * self.capacity * config.headSize
        keys = .allocate(capacity: max(1, cacheCount))
        values = .allocate(capacity: max(1, cacheCount))
        keys.initialize(repeating: 0, count: max(1, cacheCount))
        values.initialize(repeating: 0, count: max(1, cacheCount))
        let M = maxEntries
        let C = config.width
        var o = Offsets()
        func take(_ n: Int) -> Int {
            let at = o.count
            o.count += (n + 15) / 16 * 16
            return at
        }
        o.x = take(M * C)
        o.norm = take(M * C)
        o.mean = take(M)
        o.rstd = take(M)
        o.qkv = take(M * config.qkvWidth)
        o.attention = take(M * config.attentionWidth)
        o.projected = take(M * C)
        o.fc = take(M * config.fcWidth)
        o.activation = take(M * config.mlpWidth)
        o.scores = take(ComputeThreads.count * self.capacity)
        o.selected = take(M * C)
        o.logits = take(M * config.vocabSize)
        o.lora = take(M * max(1, model.lora?.rank ?? 1))
        offsets = o
        scratch = .allocate(capacity: o.count)
        scratch.initialize(repeating: 0, count: o.count)
        integers = .allocate(capacity: 3 * M)
        integers.initialize(repeating: 0, count: 3 * M)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
        scratch.deallocate()
        integers.deallocate()
    }

    /// Runs the entries through the model (see the type's documentation) and returns the next-token logits
    /// after each entry listed in `logitsFor`, as [logitsFor.count, vocabulary] floats valid until the next
    /// call. Throws, changing nothing, for a position at or beyond ``capacity``, a sequence index at or beyond
    /// ``sequences``, a token outside the vocabulary, or more than ``maxEntries`` entries.
    public func forward(tokens: [Int32], sequences rows: [Int32], positions: [Int32], logitsFor: [Int])
        throws -> UnsafeMutableBufferPointer<Float>
    {
        let count = tokens.count
        guard count <= maxEntries, rows.count == count, positions.count == count else {
            throw EngineError.invalidArgument(
                "\(count) tokens with \(rows.count) sequence indices and \(positions.count) positions; "
                    + "they must match and be at most \(maxEntries)")
        }
        for i in 0..<count {
            guard tokens[i] >= 0 && Int(tokens[i]) < model.config.vocabSize else {
                throw EngineError.invalidArgument("token \(tokens[i]) is outside the vocabulary")
            }
            guard rows[i] >= 0 && Int(rows[i]) < sequences, positions[i] >= 0 && Int(positions[i]) < capacity else {
                throw EngineError.invalidArgument(
                    "entry \(i): sequence \(rows[i]) position \(positions[i]) is outside the cache "
                        + "(\(sequences) sequences × \(capacity) positions)")
            }
        }
        if let bad = logitsFor.first(where: { $0 < 0 || $0 >= count }) {
            throw EngineError.invalidArgument("logitsFor names entry \(bad) of \(count)")
        }
        for i in 0..<count {
            integers[i] = tokens[i]
            integers[maxEntries + i] = rows[i]
            integers[2 * maxEntries + i] = positions[i]
        }
        return run(count: count, logitsFor: logitsFor)
    }

    /// Gives sequence `target` the keys and values of sequence `source`'s first `count` positions in every
    /// layer, as if the same tokens had run through it (a prompt shared by several sequences is prefilled once).
    func copyPositions(from source: Int, to target: Int, count: Int) {
        precondition(source >= 0 && source < sequences && target >= 0 && target < sequences && count <= capacity)
        let config = model.config
        let hs = config.headSize
        let layerStride = sequences * config.kvHeads * capacity * hs
        for l in 0..<config.layers {
            for g in 0..<config.kvHeads {
                let from = l * layerStride + (source * config.kvHeads + g) * capacity * hs
                let to = l * layerStride + (target * config.kvHeads + g) * capacity * hs
                (keys + to).update(from: keys + from, count: count * hs)
                (values + to).update(from: values + from, count: count * hs)
            }
        }
    }

    private func run(count M: Int, logitsFor: [Int]) -> UnsafeMutableBufferPointer<Float> {
        let config = model.config
        let layout = model.layout
        let parameters = model.parameters
        let C = config.width
        let hs = config.headSize
        let gpt2 = config.architecture == .gpt2
        let qkvWidth = config.qkvWidth
        let hidden = config.mlpWidth
        let tokens = integers
        let rows = integers + maxEntries
        let positions = integers + 2 * maxEntries
        let o = offsets
        let x = scratch + o.x
        let norm = scratch + o.norm
        let qkv = scratch + o.qkv
        let attention = scratch + o.attention
        let projected = scratch + o.projected

        func normalize(_ input: UnsafeMutablePointer<Float>, weight: Int, bias: Int, rows count: Int) {
            model.normForward(
                norm, mean: scratch + o.mean, rstd: scratch + o.rstd, input: input, weight: weight, bias: bias,
                rows: count)
        }

        embeddingForward(
            x, tokens: tokens, positions: positions, tokenTable: parameters + layout.tokenEmbedding,
            positionTable: model.parameter(layout.positionEmbedding), rows: M, channels: C)
        let layerStride = sequences * config.kvHeads * capacity * hs
        for l in 0..<config.layers {
            let w = layout.layers[l]
            normalize(x, weight: w.norm1Weight, bias: w.norm1Bias, rows: M)
            model.projectionForward(
                .attention, layer: l, out: qkv, inp: norm, loraIntermediate: scratch + o.lora, rows: M)
            if let rotary = model.rotary {
                rotaryApply(
                    qkv, positions: positions, rows: M, rowStride: qkvWidth,
                    rotatedHeads: config.heads + config.kvHeads, table: rotary, inverse: false)
            }
            let layerKeys = keys + l * layerStride
            let layerValues = values + l * layerStride
            for i in 0..<M {
                for g in 0..<config.kvHeads {
                    let slot = ((Int(rows[i]) * config.kvHeads + g) * capacity + Int(positions[i])) * hs
                    (layerKeys + slot).update(from: qkv + i * qkvWidth + (config.heads + g) * hs, count: hs)
                    (layerValues + slot).update(
                        from: qkv + i * qkvWidth + (config.heads + config.kvHeads + g) * hs,
                        count: hs)
                }
            }
            cachedAttention(
                count: M, qkv: qkv, qkvWidth: qkvWidth, out: attention, layerKeys: layerKeys,
                layerValues: layerValues, rows: rows, positions: positions)
            model.projectionForward(
                .attentionOutput, layer: l, out: projected, inp: attention, loraIntermediate: scratch + o.lora,
                rows: M)
            residualAdd(x, projected, count: M * C)
            normalize(x, weight: w.norm2Weight, bias: w.norm2Bias, rows: M)
            model.projectionForward(
                .mlpUp, layer: l, out: scratch + o.fc, inp: norm, loraIntermediate: scratch + o.lora, rows: M)
            if gpt2 {
                geluForward(scratch + o.activation, scratch + o.fc, count: M * hidden)
            } else {
                swigluForward(scratch + o.activation, scratch + o.fc, rows: M, hidden: hidden)
            }
            model.projectionForward(
                .mlpDown, layer: l, out: projected, inp: scratch + o.activation, loraIntermediate: scratch + o.lora,
                rows: M)
            residualAdd(x, projected, count: M * C)
        }
        // Only the requested entries go through the final norm and the vocabulary projection.
        let selected = scratch + o.selected
        for (k, entry) in logitsFor.enumerated() { (selected + k * C).update(from: x + entry * C, count: C) }
        let K = logitsFor.count
        normalize(selected, weight: layout.finalNormWeight, bias: layout.finalNormBias, rows: K)
        let logits = scratch + o.logits
        linearForward(
            logits, norm, parameters + layout.languageModelHead, nil, rows: K, inDim: C,
            outDim: config.vocabSize)
        return UnsafeMutableBufferPointer(start: logits, count: K * config.vocabSize)
    }

    /// Each entry's query heads attend over positions 0...position of the entry's sequence in the cache.
    private func cachedAttention(
        count M: Int, qkv: UnsafeMutablePointer<Float>, qkvWidth: Int,
        out: UnsafeMutablePointer<Float>, layerKeys: UnsafeMutablePointer<Float>,
        layerValues: UnsafeMutablePointer<Float>, rows: UnsafePointer<Int32>,
        positions: UnsafePointer<Int32>
    ) {
        let profileStart = EngineProfile.start()
        defer { EngineProfile.stop(.decodeAttention, profileStart) }
        let config = model.config
        let hs = config.headSize
        let heads = config.heads
        let kvHeads = config.kvHeads
        let groupSize = heads / kvHeads
        let scale = 1 / Float(hs).squareRoot()
        let capacity = self.capacity
        let scoresBase = scratch + offsets.scores
        // Short caches are cheaper on one thread than the cost of waking a second.
        var longest = 0
        for i in 0..<M { longest = max(longest, Int(positions[i]) + 1) }
        let parallel = M * heads * longest * hs >= 1 << 16
        let body: (Int, Int) -> Void = { unit, thread in
            let i = unit / heads
            let h = unit % heads
            let g = h / groupSize
            let length = Int(positions[i]) + 1
            let base = (Int(rows[i]) * kvHeads + g) * capacity * hs
            let q = qkv + i * qkvWidth + h * hs
            let scores = scoresBase + thread * capacity
            for s in 0..<length { scores[s] = scale * dotProduct(q, layerKeys + base + s * hs, hs) }
            causalSoftmaxRow(scores, query: length - 1, length: length, mask: nil)
            let y = out + i * heads * hs + h * hs
            y.initialize(repeating: 0, count: hs)
            for s in 0..<length { addScaled(y, layerValues + base + s * hs, hs, alpha: scores[s]) }
        }
        if parallel {
            parallelForEach(M * heads, body)
        } else {
            for unit in 0..<(M * heads) { body(unit, 0) }
        }
    }
}
