import Foundation
import TallyEngine
import TallyStore

/// Next-token pretraining on one long token stream: each example is the window of `context + 1` tokens starting
/// at an offset, drawn uniformly at random for every step (nanoGPT's sampling), its inputs the first `context`
/// tokens and its targets the last `context`.
public final class PretrainTrainer: SessionTrainer {
    public let kind = TrainingKind.pretrain
    public let model: TransformerModel
    public let tokenizer: BPETokenizer
    public let tokens: [Int32]
    public let context: Int
    public let checkpointStrings: [String: String]

    /// Throws when the stream is shorter than one window.
    public init(
        model: TransformerModel, tokenizer: BPETokenizer, tokens: [Int32], context: Int,
        checkpointStrings: [String: String] = [:]
    ) throws {
        guard tokens.count >= context + 1 else {
            throw TrainingError(
                "the corpus is \(tokens.count) tokens long, but a training window of context \(context) needs "
                    + "\(context + 1); use a smaller --context or a bigger corpus")
        }
        self.model = model
        self.tokenizer = tokenizer
        self.tokens = tokens
        self.context = context
        self.checkpointStrings = checkpointStrings
    }

    /// Every window start: offsets 0 ..< tokens − context.
    public var trainExampleCount: Int { tokens.count - context }

    public func normalizerWeight(of index: Int) -> Double { Double(context) }

    public func drawExamples(_ count: Int, random: inout EngineRandom) -> [Int]? {
        let starts = UInt64(trainExampleCount)
        return (0..<count).map { _ in Int(random.next() % starts) }
    }

    public func accumulate(examples indices: [Int], normalizer: Double) throws -> MetricSums {
        var inputs = [Int32](repeating: 0, count: indices.count * context)
        var targets = [Int32](repeating: 0, count: indices.count * context)
        tokens.withUnsafeBufferPointer { stream in
            for (row, start) in indices.enumerated() {
                for t in 0..<context {
                    inputs[row * context + t] = stream[start + t]
                    targets[row * context + t] = stream[start + t + 1]
                }
            }
        }
        let batch = TokenBatch(batchSize: indices.count, length: context, tokens: inputs, targets: targets)
        let loss = try model.trainLanguageModel(batch, normalizer: Int(normalizer.rounded()))
        var sums = MetricSums()
        sums.add("loss", Double(loss), weight: Double(indices.count * context))
        sums.tokens = indices.count * context
        sums.sequences = indices.count
        return sums
    }

    /// Pretraining has no held-out split.
    public func evaluate() throws -> [String: Double] { [:] }
}
