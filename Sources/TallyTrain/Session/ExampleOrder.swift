import TallyEngine

/// The order a trainer sees its examples in: epoch after epoch, each a fresh shuffle of `0..<count` drawn from
/// the seed and the epoch number alone. The position in the stream (the cursor) is all a resumed run needs to
/// continue with the same batches.
///
/// ```swift
/// var order = ExampleOrder(count: 100, seed: 1)
/// let firstBatch = order.next(8)   // 8 indices of epoch 0
/// ```
public struct ExampleOrder: Sendable {
    /// Examples per epoch.
    public let count: Int
    public let seed: UInt64
    /// Examples handed out so far, over all epochs.
    public private(set) var cursor: Int
    private var epochOrder: [Int] = []
    private var orderEpoch = -1

    /// An order over `count` examples, positioned at `cursor`.
    public init(count: Int, seed: UInt64, cursor: Int = 0) {
        self.count = count
        self.seed = seed
        self.cursor = cursor
    }

    /// The epoch the next example belongs to (0-based).
    public var epoch: Int { count == 0 ? 0 : cursor / count }

    /// The next `size` example indices; a batch may run across an epoch boundary.
    public mutating func next(_ size: Int) -> [Int] {
        guard count > 0 else { return [] }
        var batch: [Int] = []
        batch.reserveCapacity(size)
        for _ in 0..<size {
            let epoch = cursor / count
            if epoch != orderEpoch {
                epochOrder = Self.shuffled(count: count, seed: seed, epoch: epoch)
                orderEpoch = epoch
            }
            batch.append(epochOrder[cursor % count])
            cursor += 1
        }
        return batch
    }

    /// A Fisher–Yates shuffle of `0..<count` for one epoch.
    static func shuffled(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var random = EngineRandom(seed: seed &+ 0x5DEE_CE66_D1CE_4E5B &* UInt64(epoch + 1))
        var order = Array(0..<count)
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) {
                let j = Int(random.next() % UInt64(i + 1))
                order.swapAt(i, j)
            }
        }
        return order
    }
}
