/// Offsets of one block's activations in the activation arena.
struct LayerActivations {
    /// The block's input: the embeddings for block 0, the previous block's `residual3` after that.
    var input = 0
    var norm1 = 0, norm1Mean = 0, norm1Rstd = 0
    var qkv = 0
    var probabilities = 0
    var attentionOutput = 0
    var residual2 = 0
    var norm2 = 0, norm2Mean = 0, norm2Rstd = 0
    var fc = 0
    var fcActivation = 0
    var residual3 = 0
    /// LoRA's low-rank intermediates x·Aᵀ per adapted projection ([rows, rank]); -1 without LoRA.
    var loraQKV = -1, loraAttentionProjection = -1, loraFC = -1, loraFCProjection = -1
}

/// Where every activation and gradient scratch of one (batch, length) shape lives in the arena. Sized
/// once per shape; a training step allocates nothing. A packed shape (one row of sequences laid end to end)
/// needs no more than the padded shape of its longest sequence: its rows and its attention squares are fewer.
struct ActivationLayout {
    var batch: Int
    var length: Int
    /// The attention's shape: `batch` rows of `length`, or the packed sequences' lengths.
    var attention: AttentionShape
    var layers: [LayerActivations] = []
    var embedded = 0
    var finalNorm = 0, finalMean = 0, finalRstd = 0
    var logits = 0
    var targetLogProbs = 0
    /// The heads' inputs and their gradients gathered at the output positions (``ForwardOutputs/targetsOnly``),
    /// the log-probabilities (or values) there, and their loss weights (or value gradients); `dHeadInput` is also
    /// the compacted last block's scratch.
    var headInput = 0, dHeadInput = 0, headLogProbs = 0, headWeights = 0
    var values = 0
    var keyMask = 0
    var logProbWeights = 0
    var valueGradients = 0
    // Gradient scratch, shared by all blocks.
    var dResidual = 0, dNorm = 0, dQKV = 0, dAttentionOutput = 0, dFC = 0, dFCActivation = 0
    var attentionScratch = 0
    var reduceScratch = 0
    var dLoRA = 0
    var count = 0

    init(config: ModelConfig, batch: Int, length: Int, loraRank: Int, packedLengths: [Int]? = nil) {
        self.batch = batch
        self.length = length
        attention = AttentionShape(
            batch: batch, length: length, heads: config.heads, kvHeads: config.kvHeads, headSize: config.headSize,
            packedLengths: packedLengths)
        let rows = batch * length
        let C = config.width
        let qkvWidth = config.qkvWidth
        let fcWidth = config.fcWidth
        let activationWidth = config.mlpWidth
        let threads = ComputeThreads.count

        embedded = take(rows * C)
        var input = embedded
        for _ in 0..<config.layers {
            var a = LayerActivations()
            a.input = input
            a.norm1 = take(rows * C)
            a.norm1Mean = take(rows)
            a.norm1Rstd = take(rows)
            a.qkv = take(rows * qkvWidth)
            a.probabilities = take(attention.probabilityCount)
            a.attentionOutput = take(rows * config.attentionWidth)
            a.residual2 = take(rows * C)
            a.norm2 = take(rows * C)
            a.norm2Mean = take(rows)
            a.norm2Rstd = take(rows)
            a.fc = take(rows * fcWidth)
            a.fcActivation = take(rows * activationWidth)
            a.residual3 = take(rows * C)
            if loraRank > 0 {
                a.loraQKV = take(rows * loraRank)
                a.loraAttentionProjection = take(rows * loraRank)
                a.loraFC = take(rows * loraRank)
                a.loraFCProjection = take(rows * loraRank)
            }
            input = a.residual3
            layers.append(a)
        }
        finalNorm = take(rows * C)
        finalMean = take(rows)
        finalRstd = take(rows)
        logits = take(rows * config.vocabSize)
        targetLogProbs = take(rows)
        headInput = take(rows * C)
        dHeadInput = take(rows * max(C, config.attentionWidth))
        headLogProbs = take(rows)
        headWeights = take(rows)
        values = take(rows)
        keyMask = take(rows)
        logProbWeights = take(rows)
        valueGradients = take(rows)
        dResidual = take(rows * C)
        dNorm = take(rows * C)
        dQKV = take(rows * qkvWidth)
        dAttentionOutput = take(rows * config.attentionWidth)
        dFC = take(rows * fcWidth)
        dFCActivation = take(rows * activationWidth)
        attentionScratch = take(threads * attention.longestSequence * attention.longestSequence)
        reduceScratch = take(threads * 2 * max(C, 16))
        dLoRA = take(rows * max(loraRank, 1))
    }

    private mutating func take(_ floats: Int) -> Int {
        let offset = count
        count += (floats + 15) / 16 * 16  // keep every array 64-byte aligned
        return offset
    }
}
