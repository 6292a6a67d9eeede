import Foundation
import TallyEngine
import TallyStore

/// Supervised fine-tuning on demonstrations: next-token loss on the final assistant reply (and its
/// `<|im_end|>`) of each rendered example, the prompt and earlier turns masked out, averaged over the step's
/// trained tokens.
///
/// ```swift
/// let trainer = try SFTTrainer(model: model, tokenizer: tokenizer, train: trainExamples, eval: evalExamples)
/// ```
public final class SFTTrainer: SessionTrainer {
    public let kind = TrainingKind.sft
    public let model: TransformerModel
    public let tokenizer: BPETokenizer
    public let train: [TokenizedResponse]
    public let eval: [TokenizedResponse]
    /// Rows per forward pass in the validation pass.
    public let evalBatchSize: Int

    /// Renders `train` and `eval` with the chat template. Throws ``TooLongExamples`` when some do not fit the
    /// context, unless `truncate` (then their responses are cut to fit).
    public init(
        model: TransformerModel, tokenizer: BPETokenizer, train: [DemonstrationExample], eval: [DemonstrationExample],
        truncate: Bool = false, evalBatchSize: Int = 16
    ) throws {
        let renderer = try ExampleRenderer(tokenizer: tokenizer, contextLength: model.config.contextLength)
        self.model = model
        self.tokenizer = tokenizer
        self.evalBatchSize = evalBatchSize
        let all = train + eval
        let rendered = all.map { renderer.render($0.prompt, response: $0.completion) }
        let tooLong = rendered.filter { $0.tokens.count > renderer.contextLength }
        if !tooLong.isEmpty && !truncate {
            throw TooLongExamples(
                what: "demonstrations", count: tooLong.count, total: all.count,
                longest: tooLong.map(\.tokens.count).max() ?? 0, contextLength: renderer.contextLength)
        }
        let fitted = rendered.compactMap { renderer.truncated($0) }
        guard fitted.count == rendered.count else {
            throw TrainingError(
                "\(rendered.count - fitted.count) demonstrations have prompts that fill the model's whole context "
                    + "(\(renderer.contextLength) tokens); shorten those prompts")
        }
        self.train = Array(fitted.prefix(train.count))
        self.eval = Array(fitted.suffix(eval.count))
    }

    public var trainExampleCount: Int { train.count }

    public func normalizerWeight(of index: Int) -> Double {
        Double(train[index].tokens.count - train[index].promptCount)
    }

    public func accumulate(examples indices: [Int], normalizer: Double) throws -> MetricSums {
        let batch = try makeBatch(indices.map { train[$0] })
        let trained = batch.trainedTargetCount
        let loss = try model.trainLanguageModel(batch, normalizer: Int(normalizer.rounded()))
        var sums = MetricSums()
        sums.add("loss", Double(loss), weight: Double(trained))
        sums.tokens = indices.reduce(0) { $0 + train[$1].tokens.count }
        sums.sequences = indices.count
        return sums
    }

    /// The mean negative log-likelihood per trained token of the eval examples, and its perplexity.
    public func evaluate() throws -> [String: Double] {
        guard !eval.isEmpty else { return [:] }
        var total = 0.0
        var tokens = 0
        var start = 0
        while start < eval.count {
            let batch = try makeBatch(Array(eval[start..<min(start + evalBatchSize, eval.count)]))
            let count = batch.trainedTargetCount
            total += Double(try model.languageModelLoss(batch)) * Double(count)
            tokens += count
            start += evalBatchSize
        }
        let loss = total / Double(max(1, tokens))
        return ["loss": loss, "perplexity": exp(loss)]
    }

    /// The examples packed end to end in one row: no position is spent on padding.
    private func makeBatch(_ examples: [TokenizedResponse]) throws -> TokenBatch {
        try TokenBatch(packing: examples.map(\.tokens), promptLengths: examples.map(\.promptCount))
    }
}
