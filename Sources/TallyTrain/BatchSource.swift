import TallyEngine

/// Where a trainer's batches come from. A source is deterministic: its random state and cursor say exactly
/// which batches come next, so a run restored with ``restore(randomState:cursor:)`` sees the same data
/// as one that never stopped.
public protocol BatchSource {
    /// The next batch; advances the random state and the cursor.
    mutating func nextBatch() throws -> TokenBatch
    /// The source's random generator state (saved as `rng_state` in `trainer_state.json`).
    var randomState: [UInt64] { get }
    /// How many examples the source has handed out (saved as `data_cursor`).
    var cursor: Int { get }
    /// Puts the source back where a saved run left it.
    mutating func restore(randomState: [UInt64], cursor: Int) throws
}

/// Next-token batches cut from one long token stream: each row is a window of `length + 1` tokens starting at
/// a uniformly drawn offset (nanoGPT's sampling), its inputs the first `length` tokens and its targets the
/// last `length`.
///
/// ```swift
/// var windows = try TokenWindowSampler(tokens: stream, batchSize: 8, length: 128, seed: 1)
/// let batch = try windows.nextBatch()
/// ```
public struct TokenWindowSampler: BatchSource {
    public let tokens: [Int32]
    public let batchSize: Int
    public let length: Int
    private var random: EngineRandom
    public private(set) var cursor = 0

    /// Throws when the stream is shorter than one window.
    public init(tokens: [Int32], batchSize: Int, length: Int, seed: UInt64) throws {
        guard batchSize > 0, length > 0 else {
            throw TrainingError("the batch size and context length must be positive")
        }
        guard tokens.count >= length + 1 else {
            throw TrainingError(
                "the corpus is \(tokens.count) tokens long, but a training window of context \(length) needs "
                    + "\(length + 1); use a smaller --context or a bigger corpus")
        }
        self.tokens = tokens
        self.batchSize = batchSize
        self.length = length
        random = EngineRandom(seed: seed)
    }

    public var randomState: [UInt64] { random.state }

    public mutating func restore(randomState: [UInt64], cursor: Int) throws {
        guard randomState.count == 4, randomState.contains(where: { $0 != 0 }) else {
            throw TrainingError("the saved data sampler state is not 4 non-zero words; start over with --fresh")
        }
        random = EngineRandom(state: randomState)
        self.cursor = cursor
    }

    public mutating func nextBatch() throws -> TokenBatch {
        let starts = UInt64(tokens.count - length)  // offsets 0 ..< starts keep the window inside the stream
        var inputs = [Int32](repeating: 0, count: batchSize * length)
        var targets = [Int32](repeating: 0, count: batchSize * length)
        tokens.withUnsafeBufferPointer { stream in
            for row in 0..<batchSize {
                let start = Int(random.next() % starts)
                for t in 0..<length {
                    inputs[row * length + t] = stream[start + t]
                    targets[row * length + t] = stream[start + t + 1]
                }
            }
        }
        cursor += batchSize
        return TokenBatch(batchSize: batchSize, length: length, tokens: inputs, targets: targets)
    }
}
