import HeapModule
/// The merge table of a BPE model and the merging of one pre-tokenized piece.
///
/// Merging follows the `tokenizers` library exactly: repeatedly apply the adjacent pair with the lowest merge
/// rank, leftmost first among equal ranks, until no adjacent pair has a merge. A binary heap keeps this
/// O(n log n) in the piece length, so a long run of digits or spaces stays fast.
struct BPEMerges {
    /// What merging a pair gives: its rank (position in the merge list) and the merged token's id.
    struct Merge {
        var rank: Int32
        var result: Int32
    }

    /// Merges by pair of token ids.
    private(set) var table: [UInt64: Merge] = [:]
    /// How many merges were appended (the next merge's rank).
    private(set) var count = 0

    init() {}

    static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Adds the next merge (lowest ranks first). A pair listed twice takes its later rank, as in `tokenizers`.
    mutating func append(left: Int32, right: Int32, result: Int32) {
        table[Self.key(left, right)] = Merge(rank: Int32(count), result: result)
        count += 1
    }

    func merge(_ left: Int32, _ right: Int32) -> Merge? {
        table[Self.key(left, right)]
    }

    /// Merges the symbols of one piece (token ids of its bytes) as far as the table allows.
    func apply(to symbols: [Int32]) -> [Int32] {
        if symbols.count < 2 { return symbols }
        var ids = symbols
        var previous = Array(-1..<(symbols.count - 1))
        var next = Array(1...symbols.count)
        next[symbols.count - 1] = -1
        var alive = [Bool](repeating: true, count: symbols.count)

        var heap = Heap<MergeCandidate>()
        for position in 0..<(symbols.count - 1) {
            if let merge = merge(ids[position], ids[position + 1]) {
                heap.insert(MergeCandidate(rank: merge.rank, position: Int32(position), result: merge.result))
            }
        }
        while let candidate = heap.popMin() {
            let position = Int(candidate.position)
            let right = next[position]
            // Skip candidates that earlier merges made stale.
            guard alive[position], right >= 0, let current = merge(ids[position], ids[right]),
                current.result == candidate.result
            else { continue }
            ids[position] = candidate.result
            alive[right] = false
            let afterRight = next[right]
            next[position] = afterRight
            if afterRight >= 0 { previous[afterRight] = position }
            let before = previous[position]
            if before >= 0, let merge = merge(ids[before], ids[position]) {
                heap.insert(MergeCandidate(rank: merge.rank, position: Int32(before), result: merge.result))
            }
            if afterRight >= 0, let merge = merge(ids[position], ids[afterRight]) {
                heap.insert(MergeCandidate(rank: merge.rank, position: Int32(position), result: merge.result))
            }
        }
        var output: [Int32] = []
        var position = 0
        while position >= 0 {
            output.append(ids[position])
            position = next[position]
        }
        return output
    }
}

/// A merge waiting to be applied; the lowest (rank, position) is applied first.
private struct MergeCandidate: Comparable {
    var rank: Int32
    var position: Int32
    var result: Int32

    static func < (lhs: MergeCandidate, rhs: MergeCandidate) -> Bool {
        lhs.rank != rhs.rank ? lhs.rank < rhs.rank : lhs.position < rhs.position
    }
}
