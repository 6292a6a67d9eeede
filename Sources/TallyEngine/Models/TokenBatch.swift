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
    /// A packed batch: the lengths of the sequences laid end to end in its one row (`batchSize` 1, `length`
    /// their sum), each attending only to itself, its positions starting at 0. Nil for rows of one sequence.
    public var packedLengths: [Int]?

    /// Wraps already laid-out arrays; see ``TransformerModel/forward(_:outputs:)`` for the checks made.
    public init(
        batchSize: Int, length: Int, tokens: [Int32], targets: [Int32], attentionMask: [Float]? = nil,
        packedLengths: [Int]? = nil
    ) {
        self.batchSize = batchSize
        self.length = length
        self.tokens = tokens
        self.targets = targets
        self.attentionMask = attentionMask
        self.packedLengths = packedLengths
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

    /// The index of each row's last real token (where reward models read their score); in a packed batch, of
    /// each sequence's last token within the sequence.
    public var lastTokenIndices: [Int] {
        if let packedLengths { return packedLengths.map { $0 - 1 } }
        return (0..<batchSize).map { row in
            guard let mask = attentionMask else { return length - 1 }
            var last = 0
            for t in 0..<length where mask[row * length + t] != 0 { last = t }
            return last
        }
    }

    /// How many sequences the batch holds: its rows, or the sequences packed in its row.
    public var sequenceCount: Int { packedLengths?.count ?? batchSize }

    /// The positions (indices into ``tokens``, ``targets`` and the model's per-position outputs) each sequence
    /// occupies: a whole row, padding included, or a packed sequence's own tokens.
    public var sequenceRanges: [Range<Int>] {
        guard let packedLengths else { return (0..<batchSize).map { $0 * length..<($0 + 1) * length } }
        var start = 0
        return packedLengths.map { count in
            defer { start += count }
            return start..<start + count
        }
    }

    /// The index into the per-position outputs of each sequence's last real token (its reward).
    public var lastTokenPositions: [Int] {
        zip(sequenceRanges, lastTokenIndices).map { $0.lowerBound + $1 }
    }
}

extension TokenBatch {
    /// A packed next-token batch without padding: sequence b contributes `sequences[b]` without its last token
    /// as inputs and the sequence shifted by one as targets (none inside its first `promptLengths[b]` tokens),
    /// laid end to end in one row. The model keeps each sequence's attention to itself and restarts its
    /// positions, so every log-probability is the one a batch of its own would give (up to rounding), while no
    /// position is spent on padding (as TRL's `padding_free` and flash-attention's variable-length kernels).
    ///
    /// ```swift
    /// let batch = try TokenBatch(packing: [[5, 6, 7, 8], [9, 10, 11]], promptLengths: [2, 1])
    /// // tokens [5, 6, 7, 9, 10], targets [-1, 7, 8, 10, 11], packedLengths [3, 2]
    /// ```
    public init(packing sequences: [[Int32]], promptLengths: [Int]? = nil) throws {
        guard !sequences.isEmpty else { throw EngineError.invalidBatch("a batch needs at least one sequence") }
        if let promptLengths, promptLengths.count != sequences.count {
            throw EngineError.invalidBatch(
                "\(promptLengths.count) prompt lengths for \(sequences.count) sequences; give one per sequence")
        }
        var tokens: [Int32] = []
        var targets: [Int32] = []
        let total = sequences.reduce(0) { $0 + max(0, $1.count - 1) }
        tokens.reserveCapacity(total)
        targets.reserveCapacity(total)
        for (index, sequence) in sequences.enumerated() {
            guard sequence.count >= 2 else {
                throw EngineError.invalidBatch("sequence \(index) has \(sequence.count) tokens; at least 2 are needed")
            }
            let prompt = promptLengths?[index] ?? 0
            for t in 0..<(sequence.count - 1) {
                tokens.append(sequence[t])
                targets.append(t + 1 >= prompt ? sequence[t + 1] : -1)
            }
        }
        self.init(
            batchSize: 1, length: total, tokens: tokens, targets: targets,
            packedLengths: sequences.map { $0.count - 1 })
    }

    /// A packed batch of whole sequences with no targets, for a reward or value model to score (see
    /// ``init(packing:promptLengths:)`` for packing, ``TransformerModel/rewards(_:)`` for scoring).
    public init(packingForScoring sequences: [[Int32]]) throws {
        guard !sequences.isEmpty else { throw EngineError.invalidBatch("a batch needs at least one sequence") }
        if let empty = sequences.firstIndex(where: \.isEmpty) {
            throw EngineError.invalidBatch("sequence \(empty) is empty")
        }
        let tokens = Array(sequences.joined())
        self.init(
            batchSize: 1, length: tokens.count, tokens: tokens, targets: [Int32](repeating: -1, count: tokens.count),
            packedLengths: sequences.map(\.count))
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
