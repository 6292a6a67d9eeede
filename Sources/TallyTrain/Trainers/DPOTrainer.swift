import Foundation
import TallyEngine
import TallyStore

/// A chosen/rejected pair rendered for DPO: both completions after the same prompt.
public struct TokenizedPair: Sendable {
    public var chosen: TokenizedResponse
    public var rejected: TokenizedResponse

    /// Completion tokens (the response and its `<|im_end|>`) of each side.
    public var chosenLength: Int { chosen.tokens.count - chosen.promptCount }
    public var rejectedLength: Int { rejected.tokens.count - rejected.promptCount }
}

/// The settings particular to DPO.
public struct DPOSettings: Codable, Equatable, Sendable {
    public var loss: DPOLossKind
    public var beta: Double
    /// ε of the sigmoid loss's label smoothing (cDPO) and of the robust loss.
    public var labelSmoothing: Double
    /// Compute the reference's log-probabilities once, before the first step, and keep them with the run.
    public var precomputeReference: Bool

    public init(
        loss: DPOLossKind = .sigmoid, beta: Double = 0.1, labelSmoothing: Double = 0, precomputeReference: Bool = false
    ) {
        self.loss = loss
        self.beta = beta
        self.labelSmoothing = labelSmoothing
        self.precomputeReference = precomputeReference
    }

    /// Throws naming the first setting that cannot train.
    public func validate() throws {
        guard beta > 0, beta.isFinite else { throw TrainingError("--beta must be positive, got \(beta)") }
        guard labelSmoothing >= 0, labelSmoothing < 0.5 else {
            throw TrainingError("--label-smoothing must be in [0, 0.5), got \(labelSmoothing)")
        }
        if labelSmoothing > 0 && loss != .sigmoid && loss != .robust {
            throw TrainingError("--label-smoothing applies to the sigmoid and robust losses, not \(loss.rawValue)")
        }
    }
}

/// Direct preference optimisation on chosen/rejected pairs: chosen and rejected of each pair go through one
/// forward and backward as rows of one batch; the backward gets each token's ∂L/∂log p (the pair loss's derivative
/// with respect to its completion's summed log-probability, on every completion token).
public final class DPOTrainer: SessionTrainer {
    /// The `trainer_state.json` string holding precomputed reference log-probabilities (base64 Float32).
    public static let referenceKey = "reference_logps"

    public let kind = TrainingKind.dpo
    public let model: TransformerModel
    public let tokenizer: BPETokenizer
    public let settings: DPOSettings
    public let reference: ReferenceModel
    public let train: [TokenizedPair]
    public let eval: [TokenizedPair]
    public let evalBatchSize: Int
    let padToken: Int32
    /// (chosen, rejected) reference log-probabilities of train then eval pairs, when precomputed.
    public private(set) var precomputed: [(Double, Double)]?

    public var keyMetric: String? { "rewards/accuracies" }

    /// `saved` is the base64 text a resumed run kept; with `settings.precomputeReference` and none saved, the
    /// reference's log-probabilities are computed here, before the first step.
    public init(
        model: TransformerModel, tokenizer: BPETokenizer, reference: ReferenceModel, settings: DPOSettings,
        train: [TokenizedPair], eval: [TokenizedPair], savedReference saved: String? = nil, evalBatchSize: Int = 16
    ) throws {
        try settings.validate()
        if case .adaptersOff = reference, model.lora == nil {
            throw TrainingError("the reference 'adapters off' needs LoRA adapters on the policy")
        }
        self.model = model
        self.tokenizer = tokenizer
        self.reference = reference
        self.settings = settings
        self.train = train
        self.eval = eval
        self.evalBatchSize = evalBatchSize
        padToken = Int32((try? ChatTemplate(tokenizer: tokenizer))?.endOfTextID ?? 0)
        if settings.precomputeReference {
            if let saved {
                precomputed = try Self.decode(saved, count: train.count + eval.count)
            } else {
                var values: [(Double, Double)] = []
                let all = train + eval
                var start = 0
                while start < all.count {
                    values += try referenceLogProbs(Array(all[start..<min(start + evalBatchSize, all.count)]))
                    start += evalBatchSize
                }
                // Kept as saved (Float32), so a resumed run sees exactly the values an uninterrupted one used.
                precomputed = values.map { (Double(Float($0.0)), Double(Float($0.1))) }
            }
        }
    }

    public var trainExampleCount: Int { train.count }

    public func normalizerWeight(of index: Int) -> Double { 1 }

    public var checkpointStrings: [String: String] {
        guard let precomputed else { return [:] }
        return [Self.referenceKey: Self.encode(precomputed)]
    }

    public func accumulate(examples indices: [Int], normalizer: Double) throws -> MetricSums {
        let pairs = indices.map { train[$0] }
        let references = try precomputed.map { values in indices.map { values[$0] } } ?? referenceLogProbs(pairs)
        let batch = try makeBatch(pairs)
        try model.forward(batch, outputs: [.languageModel, .targetsOnly])
        let policy = Self.pairSums(batch, model.targetLogProbs)
        var gradients = [Float](repeating: 0, count: batch.batchSize * batch.length)
        let ranges = batch.sequenceRanges
        var sums = MetricSums()
        for (k, pair) in pairs.enumerated() {
            let loss = pairLoss(pair, policy: policy[k], reference: references[k])
            add(loss, policy: policy[k], to: &sums)
            for (sequence, slope) in [(2 * k, loss.chosenGradient), (2 * k + 1, loss.rejectedGradient)] {
                for i in ranges[sequence] where batch.targets[i] >= 0 { gradients[i] = Float(slope / normalizer) }
            }
        }
        try model.backward(logProbGradients: gradients, valueGradients: nil)
        sums.tokens = pairs.reduce(0) { $0 + $1.chosen.tokens.count + $1.rejected.tokens.count }
        sums.sequences = pairs.count
        return sums
    }

    /// The same metrics on the held-out pairs.
    public func evaluate() throws -> [String: Double] {
        guard !eval.isEmpty else { return [:] }
        var sums = MetricSums()
        var start = 0
        while start < eval.count {
            let pairs = Array(eval[start..<min(start + evalBatchSize, eval.count)])
            let references =
                try precomputed.map { values in (start..<start + pairs.count).map { values[train.count + $0] } }
                ?? referenceLogProbs(pairs)
            let batch = try makeBatch(pairs)
            try model.forward(batch, outputs: [.languageModel, .targetsOnly])
            let policy = Self.pairSums(batch, model.targetLogProbs)
            for (k, pair) in pairs.enumerated() {
                add(pairLoss(pair, policy: policy[k], reference: references[k]), policy: policy[k], to: &sums)
            }
            start += pairs.count
        }
        return sums.means
    }

    /// The reference's summed completion log-probabilities (chosen, rejected) of `pairs`.
    public func referenceLogProbs(_ pairs: [TokenizedPair]) throws -> [(Double, Double)] {
        let batch = try makeBatch(pairs)
        return Self.pairSums(
            batch, try reference.forward(batch, policy: model, outputs: [.languageModel, .targetsOnly]).targetLogProbs)
    }

    private func pairLoss(_ pair: TokenizedPair, policy: (Double, Double), reference: (Double, Double)) -> DPOPairLoss {
        DPOPairLoss.of(
            kind: settings.loss, beta: settings.beta, labelSmoothing: settings.labelSmoothing, policyChosen: policy.0,
            policyRejected: policy.1, referenceChosen: reference.0, referenceRejected: reference.1,
            chosenLength: pair.chosenLength, rejectedLength: pair.rejectedLength)
    }

    /// Adds one pair's figures under TRL's names.
    private func add(_ loss: DPOPairLoss, policy: (Double, Double), to sums: inout MetricSums) {
        sums.add("loss", loss.loss)
        sums.add("rewards/chosen", loss.chosenReward)
        sums.add("rewards/rejected", loss.rejectedReward)
        sums.add("rewards/margins", loss.chosenReward - loss.rejectedReward)
        sums.add("rewards/accuracies", loss.chosenReward > loss.rejectedReward ? 1 : 0)
        sums.add("logps/chosen", policy.0)
        sums.add("logps/rejected", policy.1)
    }

    /// Sequences chosen₀, rejected₀, chosen₁, … packed end to end (no padding); targets on the completions only.
    func makeBatch(_ pairs: [TokenizedPair]) throws -> TokenBatch {
        let responses = pairs.flatMap { [$0.chosen, $0.rejected] }
        return try TokenBatch(packing: responses.map(\.tokens), promptLengths: responses.map(\.promptCount))
    }

    /// Σ log p over each sequence's targets, paired (sequences 2k and 2k+1).
    static func pairSums(_ batch: TokenBatch, _ logProbs: UnsafeBufferPointer<Float>) -> [(Double, Double)] {
        let sums = batch.sequenceRanges.map { range in
            var total = 0.0
            for i in range where batch.targets[i] >= 0 { total += Double(logProbs[i]) }
            return total
        }
        return stride(from: 0, to: sums.count, by: 2).map { (sums[$0], sums[$0 + 1]) }
    }

    static func encode(_ values: [(Double, Double)]) -> String {
        var floats = values.flatMap { [Float($0.0), Float($0.1)] }
        return Data(bytes: &floats, count: floats.count * 4).base64EncodedString()
    }

    static func decode(_ text: String, count: Int) throws -> [(Double, Double)] {
        guard let data = Data(base64Encoded: text), data.count == count * 8 else {
            throw TrainingError(
                "the saved reference log-probabilities do not cover the run's \(count) pairs; start over with --fresh")
        }
        let floats = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        return (0..<count).map { (Double(floats[2 * $0]), Double(floats[2 * $0 + 1])) }
    }
}
