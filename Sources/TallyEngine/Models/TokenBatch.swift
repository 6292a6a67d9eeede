/// A batch of token sequences for one forward pass: `batchSize` rows of `length` tokens each, the next-token
/// targets the language-model loss and log-probabilities are taken on, and which tokens are real.
///
/// Shorter sequences are right-padded unless `padding: .left` is asked for (as batched generation and
/// transformers' reward scoring often lay them out). A target of -1 marks a position with no target (prompt
/// tokens, padding); `attentionMask` (1 real, 0 padding) keeps padding out of every real token's attention and
/// sets positions so that the first real token of a row has position 0, wherever the padding is.
///
/// ```swift
/// // Prompt [5, 6] with completion [7, 8]: the loss covers predicting 7 and 8 only.
/// let batch = try TokenBatch(sequences: [[5, 6, 7, 8]], promptLengths: [2], length: 3)
/// // tokens [5, 6, 7], targets [-1, 7, 8]
/// ```
public struct TokenBatch: Sendable {
    /// Which end of a row the padding goes to.
    public enum Padding: Sendable {
        /// Tokens from position 0, padding after them.
        case right
        /// Padding first, the tokens ending at the row's last position.
        case left
    }

    /// Number of rows (sequences).
    public var batchSize: Int
    /// Tokens per row.
    public var length: Int
    /// batchSize × length input tokens, row-major.
    public var tokens: [Int32]
    /// batchSize × length next-token targets; -1 where there is none.
    public var targets: [Int32]
    /// batchSize × length, 1 for a real token and 0 for padding; nil when every token is real.
    public var attentionMask: [Float]?

    /// Wraps already laid-out arrays; see ``TransformerModel/forward(_:outputs:)`` for the checks made.
    public init(batchSize: Int, length: Int, tokens: [Int32], targets: [Int32], attentionMask: [Float]? = nil) {
        self.batchSize = batchSize
        self.length = length
        self.tokens = tokens
        self.targets = targets
        self.attentionMask = attentionMask
    }

    /// Builds a next-token batch from whole sequences (prompt followed by completion). Row b's input is
    /// `sequences[b]` without its last token and its targets are the sequence shifted by one; targets inside
    /// the first `promptLengths[b]` tokens are dropped. Rows are padded with `padToken` to `length`, which
    /// defaults to the longest sequence minus one, on the side `padding` says.
    public init(
        sequences: [[Int32]], promptLengths: [Int]? = nil, length: Int? = nil, padToken: Int32 = 0,
        padding: Padding = .right
    ) throws {
        guard !sequences.isEmpty else { throw EngineError.invalidBatch("a batch needs at least one sequence") }
        if let promptLengths, promptLengths.count != sequences.count {
            throw EngineError.invalidBatch(
                "\(promptLengths.count) prompt lengths for \(sequences.count) sequences; give one per sequence")
        }
        let longest = sequences.map(\.count).max() ?? 0
        let width = length ?? max(1, longest - 1)
        var tokens = [Int32](repeating: padToken, count: sequences.count * width)
        var targets = [Int32](repeating: -1, count: sequences.count * width)
        var mask = [Float](repeating: 0, count: sequences.count * width)
        for (row, sequence) in sequences.enumerated() {
            guard sequence.count >= 2 else {
                throw EngineError.invalidBatch("sequence \(row) has \(sequence.count) tokens; at least 2 are needed")
            }
            guard sequence.count - 1 <= width else {
                throw EngineError.invalidBatch("sequence \(row) has \(sequence.count) tokens; at most \(width + 1) fit")
            }
            let prompt = promptLengths?[row] ?? 0
            let start = row * width + (padding == .left ? width - (sequence.count - 1) : 0)
            for t in 0..<(sequence.count - 1) {
                tokens[start + t] = sequence[t]
                mask[start + t] = 1
                if t + 1 >= prompt { targets[start + t] = sequence[t + 1] }
            }
        }
        self.init(batchSize: sequences.count, length: width, tokens: tokens, targets: targets, attentionMask: mask)
    }

    /// Builds a batch that feeds whole sequences, every token as input and no targets: what a reward or value
    /// model scores (see ``TransformerModel/rewards(_:)``). Rows are padded with `padToken` on the side
    /// `padding` says.
    public init(scoring sequences: [[Int32]], length: Int? = nil, padToken: Int32 = 0, padding: Padding = .right)
        throws
    {
        guard !sequences.isEmpty else { throw EngineError.invalidBatch("a batch needs at least one sequence") }
        let width = length ?? (sequences.map(\.count).max() ?? 1)
        var tokens = [Int32](repeating: padToken, count: sequences.count * width)
        var mask = [Float](repeating: 0, count: sequences.count * width)
        for (row, sequence) in sequences.enumerated() {
            guard !sequence.isEmpty else { throw EngineError.invalidBatch("sequence \(row) is empty") }
            guard sequence.count <= width else {
                throw EngineError.invalidBatch("sequence \(row) has \(sequence.count) tokens; at most \(width) fit")
            }
            let start = row * width + (padding == .left ? width - sequence.count : 0)
            for (t, token) in sequence.enumerated() {
                tokens[start + t] = token
                mask[start + t] = 1
            }
        }
        self.init(
            batchSize: sequences.count, length: width, tokens: tokens,
            targets: [Int32](repeating: -1, count: sequences.count * width), attentionMask: mask)
    }

    /// The index of each row's last real token (where reward models read their score).
    public var lastTokenIndices: [Int] {
        (0..<batchSize).map { row in
            guard let mask = attentionMask else { return length - 1 }
            var last = 0
            for t in 0..<length where mask[row * length + t] != 0 { last = t }
            return last
        }
    }
}

/// Errors the engine reports for bad input; each says what is wrong and what was expected.
public enum EngineError: Error, CustomStringConvertible, Equatable {
    case invalidBatch(String)
    case invalidTensor(String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .invalidBatch(let message): return "invalid batch: \(message)"
        case .invalidTensor(let message): return "invalid tensor: \(message)"
        case .invalidArgument(let message): return "invalid argument: \(message)"
        }
    }
}
