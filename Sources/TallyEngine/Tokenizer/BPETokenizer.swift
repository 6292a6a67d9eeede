import Foundation

/// A byte-level BPE tokenizer, as GPT-2 and most Hugging Face causal models use: text is split around added
/// (special) tokens, pre-tokenized with GPT-2's pattern, written in the byte-level alphabet and merged by rank.
/// Encoding matches the `tokenizers` library exactly for the `tokenizer.json` files it reads.
///
/// ```swift
/// let tokenizer = try BPETokenizer(contentsOf: URL(fileURLWithPath: "tokenizer.json"))
/// let ids = tokenizer.encode("Hello, world!<|endoftext|>")
/// assert(tokenizer.decode(ids) == "Hello, world!<|endoftext|>")
/// ```
///
/// Encoding is thread-safe; a cache remembers the ids of pieces already merged.
public final class BPETokenizer: @unchecked Sendable {
    /// Settings of the byte-level pre-tokenizer and BPE model, with `tokenizer.json`'s meaning.
    public struct Options: Equatable, Sendable {
        /// Put a space before text that does not start with one (`add_prefix_space`).
        public var addPrefixSpace: Bool = false
        /// Split with GPT-2's pattern (`use_regex`); when false each text segment is one piece.
        public var useRegex: Bool = true
        /// Split with Llama 3's pattern first (a `Split` step before the `ByteLevel` one, which then usually
        /// has `useRegex` false); see ``Llama3PreTokenizer``.
        public var splitsLikeLlama3: Bool = false
        /// Kept for `tokenizer.json` (`trim_offsets`); offsets do not change ids.
        public var trimOffsets: Bool = true
        /// Emit a whole piece as one token when the vocabulary has it, before merging (`ignore_merges`).
        public var ignoreMerges: Bool = false
        /// Join consecutive unknown bytes into one unknown token (`fuse_unk`).
        public var fuseUnknown: Bool = false

        /// The defaults of a GPT-2-style tokenizer.
        public init() {}
    }

    /// The pre-tokenizer and model settings.
    public let options: Options
    /// The added tokens (special and not), in `tokenizer.json` order.
    public let addedTokens: [AddedToken]
    /// The BPE vocabulary: ids by byte-level token string.
    public let vocabulary: [String: Int]
    /// The unknown token, used for bytes the vocabulary lacks (byte-level vocabularies have all 256).
    public let unknownToken: String?
    /// The special tokens put around encoded text (`tokenizer.json`'s `TemplateProcessing` post-processor,
    /// such as Llama 3's `<|begin_of_text|>`), or nil when encoding adds none.
    public let postProcessor: TemplateProcessing?

    /// The merges in rank order, as pairs of byte-level token strings.
    public let mergeList: [(String, String)]

    let merges: BPEMerges
    /// Token string by id (added tokens take precedence), nil for unused ids.
    private let tokenByID: [String?]
    /// Bytes each id decodes to, following the byte-level decoder.
    private let bytesByID: [[UInt8]]
    private let specialIDs: Set<Int>
    /// Id of each single-byte token, or -1.
    private let byteIDs: [Int32]
    /// Ids of whole pieces by their bytes, for `ignoreMerges`.
    private let pieceIDs: [[UInt8]: Int32]
    private let unknownID: Int32?
    private let rawMatcher: (all: AddedTokenMatcher, ordinary: AddedTokenMatcher)
    private let normalizedMatcher: (all: AddedTokenMatcher, ordinary: AddedTokenMatcher)

    private let cacheLock = NSLock()
    private var cache: [[UInt8]: [Int32]] = [:]
    private static let cacheCapacity = 65_536

    /// Builds a tokenizer from its parts; `path` names the source in errors.
    ///
    /// - Parameters:
    ///   - vocabulary: ids by byte-level token string (`"Ġthe"`).
    ///   - merges: the merge list in rank order, each a pair of tokens whose concatenation is in `vocabulary`.
    ///   - addedTokens: tokens matched whole before pre-tokenization.
    ///   - postProcessor: the special tokens put around encoded text, when there are any.
    /// - Throws: ``CheckpointError`` when ids repeat, a merge names a token the vocabulary lacks, or the
    ///   post-processor adds an id that is no token.
    public init(
        vocabulary: [String: Int], merges: [(String, String)], addedTokens: [AddedToken] = [],
        options: Options = Options(), unknownToken: String? = nil, postProcessor: TemplateProcessing? = nil,
        path: String = "tokenizer"
    ) throws {
        func fail(_ problem: String) -> CheckpointError { CheckpointError(path: path, problem: problem) }
        var tokenByID: [String?] = []
        func place(_ token: String, at id: Int, overwrite: Bool) throws {
            guard id >= 0, id < 16_777_216 else {
                throw fail("token \(JSONText.quoted(token)) has id \(id), outside 0..<2^24")
            }
            if id >= tokenByID.count { tokenByID += [String?](repeating: nil, count: id + 1 - tokenByID.count) }
            if let existing = tokenByID[id], existing != token, !overwrite {
                throw fail("tokens \(JSONText.quoted(existing)) and \(JSONText.quoted(token)) share id \(id)")
            }
            tokenByID[id] = token
        }
        for (token, id) in vocabulary.sorted(by: { $0.value < $1.value }) { try place(token, at: id, overwrite: false) }
        for added in addedTokens { try place(added.content, at: added.id, overwrite: true) }

        var table = BPEMerges()
        for (rank, (left, right)) in merges.enumerated() {
            guard let leftID = vocabulary[left], let rightID = vocabulary[right] else {
                let missing = vocabulary[left] == nil ? left : right
                throw fail(
                    "merge \(rank) (\(JSONText.quoted(left)) \(JSONText.quoted(right))) uses "
                        + "\(JSONText.quoted(missing)), which is not in the vocabulary")
            }
            guard let resultID = vocabulary[left + right] else {
                throw fail("merge \(rank) makes \(JSONText.quoted(left + right)), which is not in the vocabulary")
            }
            table.append(left: Int32(leftID), right: Int32(rightID), result: Int32(resultID))
        }
        if let unknownToken, vocabulary[unknownToken] == nil {
            throw fail("the unknown token \(JSONText.quoted(unknownToken)) is not in the vocabulary")
        }
        for (key, entry) in postProcessor?.specialTokens ?? [:] {
            for id in entry.ids where id < 0 || id >= tokenByID.count || tokenByID[id] == nil {
                throw fail(
                    "post_processor.special_tokens[\(JSONText.quoted(key))] adds id \(id), which no token has; "
                        + "use the id of \(JSONText.quoted(key)) in added_tokens")
            }
        }

        var byteIDs = [Int32](repeating: -1, count: 256)
        for byte in 0..<256 {
            if let id = vocabulary[String(ByteLevel.scalarForByte[byte])] { byteIDs[byte] = Int32(id) }
        }
        var pieceIDs: [[UInt8]: Int32] = [:]
        if options.ignoreMerges {
            for (token, id) in vocabulary {
                if let bytes = ByteLevel.decode(token) { pieceIDs[bytes] = Int32(id) }
            }
        }

        self.options = options
        self.addedTokens = addedTokens
        self.vocabulary = vocabulary
        self.unknownToken = unknownToken
        self.postProcessor = postProcessor
        self.merges = table
        self.mergeList = merges
        self.tokenByID = tokenByID
        // The byte-level decoder maps each scalar back to its byte; a token with a scalar outside the
        // alphabet (an added token like "<| x |>") decodes to its own UTF-8, as in `tokenizers`.
        self.bytesByID = tokenByID.map { token in
            guard let token else { return [] }
            return ByteLevel.decode(token) ?? Array(token.utf8)
        }
        self.specialIDs = Set(addedTokens.filter(\.special).map(\.id))
        self.byteIDs = byteIDs
        self.pieceIDs = pieceIDs
        self.unknownID = unknownToken.flatMap { vocabulary[$0] }.map { Int32($0) }
        let raw = addedTokens.filter { !$0.normalized }
        let normalized = addedTokens.filter { $0.normalized }
        self.rawMatcher = (AddedTokenMatcher(raw), AddedTokenMatcher(raw.filter { !$0.special }))
        self.normalizedMatcher = (AddedTokenMatcher(normalized), AddedTokenMatcher(normalized.filter { !$0.special }))
    }

    // MARK: Vocabulary

    /// One more than the largest token id: the embedding rows a model needs.
    public var vocabularySize: Int { tokenByID.count }

    /// The id of a token: an added token's content (`"<|im_end|>"`) or a byte-level vocabulary entry (`"Ġthe"`).
    public func id(of token: String) -> Int? {
        addedTokenID(token) ?? vocabulary[token]
    }

    /// The id of the added token whose content is `content` (`"<|im_end|>"`), nil when there is none. Of two
    /// added tokens with the same content, the first: the one encoding matches.
    public func addedTokenID(_ content: String) -> Int? {
        addedTokens.first(where: { $0.content == content })?.id
    }

    /// The token string of `id` (byte-level form for vocabulary tokens), or nil for an unused id.
    public func token(for id: Int) -> String? {
        id >= 0 && id < tokenByID.count ? tokenByID[id] : nil
    }

    /// Whether `id` is a special added token.
    public func isSpecial(_ id: Int) -> Bool { specialIDs.contains(id) }

    // MARK: Encoding

    /// The token ids of `text`, with the post-processor's special tokens around them (Llama 3's
    /// `<|begin_of_text|>` first), as `tokenizers` encodes with `add_special_tokens=True`.
    ///
    /// - Parameters:
    ///   - allowSpecialTokens: when false, special tokens' text (`"<|im_end|>"` typed by a user) is encoded as
    ///     ordinary text rather than as the special token; use this for untrusted content.
    ///   - addSpecialTokens: when false, the post-processor adds nothing (`add_special_tokens=False`): for
    ///     pieces of a longer sequence, such as the turns ``ChatTemplate`` assembles.
    public func encode(_ text: String, allowSpecialTokens: Bool = true, addSpecialTokens: Bool = true) -> [Int] {
        let ids = encodeText(text, allowSpecialTokens: allowSpecialTokens)
        guard let postProcessor else { return ids }
        return postProcessor.apply(first: ids, pair: nil, addSpecialTokens: addSpecialTokens).ids
    }

    /// The token ids of a pair of texts laid out by the post-processor's pair template (without one, `first`'s
    /// ids then `second`'s), as `tokenizers` encodes `encode(first, second)`.
    public func encode(
        _ first: String, pair second: String, allowSpecialTokens: Bool = true, addSpecialTokens: Bool = true
    ) -> [Int] {
        let firstIDs = encodeText(first, allowSpecialTokens: allowSpecialTokens)
        let secondIDs = encodeText(second, allowSpecialTokens: allowSpecialTokens)
        guard let postProcessor else { return firstIDs + secondIDs }
        return postProcessor.apply(first: firstIDs, pair: secondIDs, addSpecialTokens: addSpecialTokens).ids
    }

    /// The ids of `text` alone: added tokens matched, the rest pre-tokenized and merged.
    private func encodeText(_ text: String, allowSpecialTokens: Bool) -> [Int] {
        let scalars = Array(text.unicodeScalars)
        var ids: [Int] = []
        ids.reserveCapacity(scalars.count / 3 + 1)
        let first = allowSpecialTokens ? rawMatcher.all : rawMatcher.ordinary
        let second = allowSpecialTokens ? normalizedMatcher.all : normalizedMatcher.ordinary
        for segment in first.split(scalars, in: 0..<scalars.count) {
            switch segment {
            case .token(let id): ids.append(id)
            case .text(let range):
                for inner in second.split(scalars, in: range) {
                    switch inner {
                    case .token(let id): ids.append(id)
                    case .text(let innerRange): encodeOrdinary(scalars[innerRange], into: &ids)
                    }
                }
            }
        }
        return ids
    }

    /// Pre-tokenizes and merges text that holds no added tokens.
    private func encodeOrdinary(_ text: ArraySlice<Unicode.Scalar>, into ids: inout [Int]) {
        guard let first = text.first else { return }
        var scalars = text
        if options.addPrefixSpace && first != " " {
            scalars = [" "] + text
        }
        var ranges =
            options.splitsLikeLlama3 ? Llama3PreTokenizer.ranges(in: scalars) : [scalars.startIndex..<scalars.endIndex]
        if options.useRegex {
            ranges = ranges.flatMap { GPT2PreTokenizer.ranges(in: scalars[$0]) }
        }
        var bytes: [UInt8] = []
        for range in ranges {
            bytes.removeAll(keepingCapacity: true)
            for scalar in scalars[range] {
                UTF8.encode(scalar) { bytes.append($0) }
            }
            for id in encodePiece(bytes) { ids.append(Int(id)) }
        }
    }

    /// The ids of one pre-tokenized piece, given as UTF-8 bytes.
    func encodePiece(_ bytes: [UInt8]) -> [Int32] {
        cacheLock.lock()
        let cached = cache[bytes]
        cacheLock.unlock()
        if let cached { return cached }

        var result: [Int32]
        if options.ignoreMerges, let whole = pieceIDs[bytes] {
            result = [whole]
        } else {
            var symbols: [Int32] = []
            symbols.reserveCapacity(bytes.count)
            for byte in bytes {
                let id = byteIDs[Int(byte)]
                if id >= 0 {
                    symbols.append(id)
                } else if let unknownID, !(options.fuseUnknown && symbols.last == unknownID) {
                    symbols.append(unknownID)
                }
                // Without an unknown token a byte missing from the vocabulary is dropped, as in `tokenizers`.
            }
            result = merges.apply(to: symbols)
        }

        cacheLock.lock()
        if cache.count < Self.cacheCapacity { cache[bytes] = result }
        cacheLock.unlock()
        return result
    }

    // MARK: Decoding

    /// The bytes token `id` stands for (empty for an unused id); for decoding a stream token by token.
    public func bytes(of id: Int) -> [UInt8] {
        id >= 0 && id < bytesByID.count ? bytesByID[id] : []
    }

    /// The text of `ids`. Invalid UTF-8 (a sequence cut inside a character) becomes U+FFFD, and ids
    /// outside the vocabulary are left out, as in `tokenizers`.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        var bytes: [UInt8] = []
        for id in ids where !(skipSpecialTokens && specialIDs.contains(id)) {
            bytes.append(contentsOf: self.bytes(of: id))
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
