import Foundation
import HeapModule

/// Learns a byte-level BPE tokenizer from a corpus, deterministically: the same corpus and settings give the
/// same `tokenizer.json`, byte for byte.
///
/// The vocabulary starts with the special tokens, then the 256 byte-level symbols (so any text can be encoded),
/// then repeatedly adds the most frequent adjacent pair of tokens within GPT-2 pre-tokenized pieces (ties go to
/// the pair with the smaller ids) until it reaches ``vocabularySize`` or no pair occurs ``minimumPairCount`` times.
/// This is the algorithm of the `tokenizers` library's `BpeTrainer` with a full byte-level initial alphabet, and
/// on a corpus without special tokens it learns the same merges and ids. (Special tokens found in a corpus are
/// split out here, as when encoding; `tokenizers` would count their pieces as ordinary text.)
///
/// ```swift
/// let trainer = BPETrainer(vocabularySize: 2048)
/// let tokenizer = try trainer.train(on: corpus) { done, total in print("merge \(done)/\(total)") }
/// try tokenizer.write(to: URL(fileURLWithPath: "tokenizer.json"))
/// ```
public struct BPETrainer: Sendable {
    /// Tally's special tokens: end of document, and the chat template's turn markers.
    public static let defaultSpecialTokens = [ChatTemplate.endOfText, ChatTemplate.turnStart, ChatTemplate.turnEnd]

    /// The vocabulary size to reach, special tokens and the 256 byte symbols included.
    public var vocabularySize: Int
    /// Pairs seen fewer times than this are not merged (training may then stop below ``vocabularySize``).
    public var minimumPairCount: Int
    /// Special tokens, given the first ids in this order and never split or merged.
    public var specialTokens: [String]

    /// Makes a trainer.
    public init(
        vocabularySize: Int, minimumPairCount: Int = 2, specialTokens: [String] = BPETrainer.defaultSpecialTokens
    ) {
        self.vocabularySize = vocabularySize
        self.minimumPairCount = minimumPairCount
        self.specialTokens = specialTokens
    }

    /// Trains on `corpus`; `progress` is called now and then with (merges done, merges wanted).
    public func train(on corpus: String, progress: ((Int, Int) -> Void)? = nil) throws -> BPETokenizer {
        var addedTokens: [AddedToken] = []
        for token in specialTokens where !addedTokens.contains(where: { $0.content == token }) {
            guard !token.isEmpty else {
                throw CheckpointError(path: "tokenizer training", problem: "a special token is empty")
            }
            addedTokens.append(AddedToken(id: addedTokens.count, content: token, special: true))
        }
        let firstByteID = addedTokens.count
        guard vocabularySize >= firstByteID + 256 else {
            throw CheckpointError(
                path: "tokenizer training",
                problem:
                    "a vocabulary size of \(vocabularySize) leaves no room for the \(addedTokens.count) special tokens "
                    + "and 256 byte symbols; use at least \(firstByteID + 256)")
        }

        // Token strings by id: specials, then the byte alphabet in scalar order (as `tokenizers` orders it).
        var tokens = addedTokens.map(\.content)
        let alphabet = ByteLevel.scalarForByte.sorted { $0.value < $1.value }
        var byteID = [Int32](repeating: 0, count: 256)
        for scalar in alphabet {
            if let byte = ByteLevel.byteForScalar[scalar] { byteID[Int(byte)] = Int32(tokens.count) }
            tokens.append(String(scalar))
        }
        var idOfToken: [String: Int32] = [:]
        for (id, token) in tokens.enumerated() where id >= firstByteID { idOfToken[token] = Int32(id) }

        var words = Self.countPieces(of: corpus, specialTokens: addedTokens).map { entry in
            (symbols: entry.bytes.map { byteID[Int($0)] }, count: entry.count)
        }

        var pairCounts: [UInt64: Int] = [:]
        var wordsWithPair: [UInt64: Set<Int>] = [:]
        for (index, word) in words.enumerated() where word.symbols.count > 1 {
            for position in 0..<(word.symbols.count - 1) {
                let key = BPEMerges.key(word.symbols[position], word.symbols[position + 1])
                pairCounts[key, default: 0] += word.count
                wordsWithPair[key, default: []].insert(index)
            }
        }
        var heap = Heap<PairCount>()
        for (key, count) in pairCounts { heap.insert(PairCount(count: count, pair: key)) }

        var merges: [(String, String)] = []
        let wanted = vocabularySize - tokens.count
        while tokens.count < vocabularySize, let best = heap.popMin() {
            let current = pairCounts[best.pair] ?? 0
            if current != best.count {
                if current > 0 { heap.insert(PairCount(count: current, pair: best.pair)) }
                continue
            }
            if current < max(1, minimumPairCount) { break }
            let left = Int32(truncatingIfNeeded: best.pair >> 32)
            let right = Int32(truncatingIfNeeded: best.pair & 0xFFFF_FFFF)
            let merged = tokens[Int(left)] + tokens[Int(right)]
            merges.append((tokens[Int(left)], tokens[Int(right)]))
            let newID: Int32
            if let existing = idOfToken[merged] {
                newID = existing
            } else {
                newID = Int32(tokens.count)
                tokens.append(merged)
                idOfToken[merged] = newID
            }

            var changed: Set<UInt64> = []
            for index in (wordsWithPair[best.pair] ?? []).sorted() {
                let old = words[index].symbols
                let new = Self.merge(old, left: left, right: right, into: newID)
                if new.count == old.count { continue }
                let count = words[index].count
                for position in 0..<max(0, old.count - 1) {
                    pairCounts[BPEMerges.key(old[position], old[position + 1]), default: 0] -= count
                }
                for position in 0..<max(0, new.count - 1) {
                    let key = BPEMerges.key(new[position], new[position + 1])
                    pairCounts[key, default: 0] += count
                    wordsWithPair[key, default: []].insert(index)
                    changed.insert(key)
                }
                words[index].symbols = new
            }
            pairCounts[best.pair] = nil
            wordsWithPair[best.pair] = nil
            for key in changed {
                if let count = pairCounts[key], count > 0 { heap.insert(PairCount(count: count, pair: key)) }
            }
            if merges.count % 64 == 0 { progress?(merges.count, wanted) }
        }
        progress?(merges.count, wanted)

        var vocabulary: [String: Int] = [:]
        for (id, token) in tokens.enumerated() { vocabulary[token] = id }
        return try BPETokenizer(
            vocabulary: vocabulary, merges: merges, addedTokens: addedTokens, path: "tokenizer training")
    }

    /// Replaces each left-to-right occurrence of (left, right) in `symbols` with `merged`.
    static func merge(_ symbols: [Int32], left: Int32, right: Int32, into merged: Int32) -> [Int32] {
        var result: [Int32] = []
        result.reserveCapacity(symbols.count)
        var position = 0
        while position < symbols.count {
            if position + 1 < symbols.count && symbols[position] == left && symbols[position + 1] == right {
                result.append(merged)
                position += 2
            } else {
                result.append(symbols[position])
                position += 1
            }
        }
        return result
    }

    /// The distinct pre-tokenized pieces of `corpus` (as UTF-8) with how often each occurs, special tokens
    /// left out, sorted by bytes so training does not depend on hashing order.
    static func countPieces(of corpus: String, specialTokens: [AddedToken]) -> [(bytes: [UInt8], count: Int)] {
        let scalars = Array(corpus.unicodeScalars)
        let matcher = AddedTokenMatcher(specialTokens)
        var counts: [[UInt8]: Int] = [:]
        var bytes: [UInt8] = []
        for segment in matcher.split(scalars, in: 0..<scalars.count) {
            guard case .text(let range) = segment else { continue }
            for piece in GPT2PreTokenizer.ranges(in: scalars[range]) {
                bytes.removeAll(keepingCapacity: true)
                for scalar in scalars[piece] { UTF8.encode(scalar) { bytes.append($0) } }
                counts[bytes, default: 0] += 1
            }
        }
        return counts.map { (bytes: $0.key, count: $0.value) }.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
    }
}

/// A pair and how often it occurs. It orders "first to merge" as least: the highest count, and among equal
/// counts the pair with the smaller ids.
private struct PairCount: Comparable {
    var count: Int
    var pair: UInt64

    static func < (lhs: PairCount, rhs: PairCount) -> Bool {
        lhs.count != rhs.count ? lhs.count > rhs.count : lhs.pair < rhs.pair
    }
}
