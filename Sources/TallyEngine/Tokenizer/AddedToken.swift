/// A token matched as a whole before pre-tokenization, such as `<|endoftext|>` or `<|im_end|>`
/// (an entry of `tokenizer.json`'s `added_tokens`).
public struct AddedToken: Equatable, Sendable {
    /// The token's id.
    public var id: Int
    /// The exact text the token stands for.
    public var content: String
    /// Special tokens (end of text, turn markers) can be skipped when decoding and are not matched in
    /// text encoded with `allowSpecialTokens: false`.
    public var special: Bool
    /// Match only when not inside a word.
    public var singleWord: Bool
    /// Absorb whitespace to the left of a match.
    public var leftStrip: Bool
    /// Absorb whitespace to the right of a match.
    public var rightStrip: Bool
    /// Matched on normalized text (Tally's tokenizers have no normalizer, so this only orders matching).
    public var normalized: Bool

    /// Makes an added token; special tokens default to not normalized, as in `tokenizers`.
    public init(
        id: Int, content: String, special: Bool = true, singleWord: Bool = false, leftStrip: Bool = false,
        rightStrip: Bool = false, normalized: Bool? = nil
    ) {
        self.id = id
        self.content = content
        self.special = special
        self.singleWord = singleWord
        self.leftStrip = leftStrip
        self.rightStrip = rightStrip
        self.normalized = normalized ?? !special
    }
}

/// Finds added tokens in text, leftmost match first and the longest at a position, as `tokenizers` does.
struct AddedTokenMatcher {
    /// A part of the text: either an added token or ordinary text for the pre-tokenizer.
    enum Segment: Equatable {
        case token(Int)
        case text(Range<Int>)
    }

    private let tokens: [(scalars: [Unicode.Scalar], token: AddedToken)]
    /// Token indices by first scalar, longest content first.
    private let byFirstScalar: [Unicode.Scalar: [Int]]
    /// Whether some token starts with each ASCII scalar: skips the dictionary for most of the text.
    private let asciiStarts: [Bool]

    init(_ addedTokens: [AddedToken]) {
        let tokens = addedTokens.filter { !$0.content.isEmpty }.map { (Array($0.content.unicodeScalars), $0) }
        var index: [Unicode.Scalar: [Int]] = [:]
        for (position, entry) in tokens.enumerated() {
            index[entry.0[0], default: []].append(position)
        }
        for key in index.keys {
            index[key]?.sort { tokens[$0].0.count > tokens[$1].0.count }
        }
        self.tokens = tokens
        self.byFirstScalar = index
        self.asciiStarts = (0..<128).map { value in index[Unicode.Scalar(UInt8(value))] != nil }
    }

    /// Splits `range` of `scalars` into added tokens and the text between them.
    func split(_ scalars: [Unicode.Scalar], in range: Range<Int>) -> [Segment] {
        if tokens.isEmpty { return range.isEmpty ? [] : [.text(range)] }
        var segments: [Segment] = []
        var textStart = range.lowerBound
        var position = range.lowerBound
        while position < range.upperBound {
            let scalar = scalars[position]
            if scalar.value < 128 && !asciiStarts[Int(scalar.value)] {
                position += 1
                continue
            }
            guard let candidates = byFirstScalar[scalar],
                let found = candidates.first(where: {
                    matches(tokens[$0], scalars, at: position, limit: range.upperBound)
                })
            else {
                position += 1
                continue
            }
            let token = tokens[found].token
            var matchStart = position
            var matchEnd = position + tokens[found].scalars.count
            if token.leftStrip {
                while matchStart > textStart && scalars[matchStart - 1].properties.isWhitespace { matchStart -= 1 }
            }
            if token.rightStrip {
                while matchEnd < range.upperBound && scalars[matchEnd].properties.isWhitespace { matchEnd += 1 }
            }
            if matchStart > textStart { segments.append(.text(textStart..<matchStart)) }
            segments.append(.token(token.id))
            textStart = matchEnd
            position = matchEnd
        }
        if textStart < range.upperBound { segments.append(.text(textStart..<range.upperBound)) }
        return segments
    }

    private func matches(
        _ entry: (scalars: [Unicode.Scalar], token: AddedToken), _ text: [Unicode.Scalar], at position: Int, limit: Int
    ) -> Bool {
        let length = entry.scalars.count
        guard position + length <= limit else { return false }
        for offset in 0..<length where text[position + offset] != entry.scalars[offset] { return false }
        if entry.token.singleWord {
            if position > 0 && isWordScalar(text[position - 1]) { return false }
            if position + length < text.count && isWordScalar(text[position + length]) { return false }
        }
        return true
    }

    private func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }
}
