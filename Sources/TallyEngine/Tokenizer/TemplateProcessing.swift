/// The `TemplateProcessing` post-processor of `tokenizer.json`: where special tokens go around encoded text,
/// such as Llama 3's `<|begin_of_text|>` before every sequence, or the empty `$A` template transformers 5
/// writes for GPT-2.
///
/// It is applied as the `tokenizers` library applies it: for one text the `single` template, for a pair of
/// texts the `pair` template; each ``Piece/sequence(_:typeID:)`` piece stands for that text's tokens and each
/// ``Piece/specialToken(_:typeID:)`` piece for all the ids its entry in ``specialTokens`` lists. Without
/// special tokens (`add_special_tokens=False`) the template still orders the sequences but adds nothing.
///
/// ```swift
/// // single: <|begin_of_text|> $A   pair: <|begin_of_text|> $A <|begin_of_text|> $B
/// template.apply(first: [9906], pair: nil)          // ([128000, 9906], typeIDs: [0, 0])
/// template.apply(first: [9906], pair: [1917])       // ([128000, 9906, 128000, 1917], [0, 0, 1, 1])
/// ```
public struct TemplateProcessing: Equatable, Sendable {
    /// Which of the two texts a sequence piece stands for.
    public enum SequenceID: String, Equatable, Sendable {
        /// The first text (`$A`).
        case first = "A"
        /// The second text of a pair (`$B`).
        case second = "B"
    }

    /// One part of a template.
    public enum Piece: Equatable, Sendable {
        /// A text's tokens, all given the type id.
        case sequence(SequenceID, typeID: Int)
        /// The ids of the entry of ``TemplateProcessing/specialTokens`` with this key, all given the type id.
        case specialToken(String, typeID: Int)
    }

    /// The ids (and their token strings) a special-token piece stands for; usually one token.
    public struct SpecialTokenIDs: Equatable, Sendable {
        /// The ids inserted, in order.
        public var ids: [Int]
        /// The token string of each id, as `tokenizer.json` lists them.
        public var tokens: [String]

        /// Makes an entry; `ids` and `tokens` have the same length.
        public init(ids: [Int], tokens: [String]) {
            self.ids = ids
            self.tokens = tokens
        }
    }

    /// The template for one text.
    public var single: [Piece]
    /// The template for a pair of texts.
    public var pair: [Piece]
    /// The entries special-token pieces name, by key.
    public var specialTokens: [String: SpecialTokenIDs]

    /// Makes a template; every special-token piece must name an entry of `specialTokens`.
    public init(single: [Piece], pair: [Piece], specialTokens: [String: SpecialTokenIDs]) {
        self.single = single
        self.pair = pair
        self.specialTokens = specialTokens
    }

    /// The ids of `first` (and of `pair`, when given) laid out by the template, with the type id of each.
    ///
    /// - Parameter addSpecialTokens: when false, only the sequences are laid out, as `tokenizers` does for
    ///   `add_special_tokens=False`.
    public func apply(first: [Int], pair second: [Int]?, addSpecialTokens: Bool = true) -> (
        ids: [Int], typeIDs: [Int]
    ) {
        var ids: [Int] = []
        var typeIDs: [Int] = []
        for piece in second == nil ? single : pair {
            switch piece {
            case .sequence(let sequence, let typeID):
                let tokens = sequence == .first ? first : (second ?? [])
                ids += tokens
                typeIDs += [Int](repeating: typeID, count: tokens.count)
            case .specialToken(let key, let typeID):
                guard addSpecialTokens, let entry = specialTokens[key] else { continue }
                ids += entry.ids
                typeIDs += [Int](repeating: typeID, count: entry.ids.count)
            }
        }
        return (ids, typeIDs)
    }

    /// The ids the single template puts before the text (Llama 3's `<|begin_of_text|>`); empty for a
    /// template that adds nothing there.
    public var idsBeforeText: [Int] {
        var ids: [Int] = []
        for piece in single {
            guard case .specialToken(let key, _) = piece else { break }
            ids += specialTokens[key]?.ids ?? []
        }
        return ids
    }
}
