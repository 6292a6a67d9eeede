/// Reading and writing the `TemplateProcessing` object of `tokenizer.json`:
///
///     {"type": "TemplateProcessing",
///      "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
///      "pair": [...],
///      "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [128000], "tokens": ["<|begin_of_text|>"]}}}
extension TemplateProcessing {
    /// Parses a `TemplateProcessing` object; `place` names it in errors (`post_processor.processors[1]`).
    ///
    /// Refuses, with the reason, what the `tokenizers` library would fail on when encoding: a special-token
    /// piece with no entry in `special_tokens`, `$B` in the single template, `ids` and `tokens` of different
    /// lengths, and a missing `type_id`.
    init(json: [String: Any], place: String, path: String) throws {
        func fail(_ problem: String) -> CheckpointError { CheckpointError(path: path, problem: "\(place)\(problem)") }
        guard let rawSpecialTokens = json["special_tokens"] as? [String: Any] else {
            throw fail(".special_tokens is not a map of name to {\"id\", \"ids\", \"tokens\"}")
        }
        var specialTokens: [String: SpecialTokenIDs] = [:]
        for (key, rawEntry) in rawSpecialTokens {
            let entryPlace = ".special_tokens[\(JSONText.quoted(key))]"
            guard let entry = rawEntry as? [String: Any], let rawIDs = entry["ids"] as? [Any],
                let tokens = entry["tokens"] as? [String]
            else { throw fail("\(entryPlace) needs a list of integer \"ids\" and a list of string \"tokens\"") }
            let ids = rawIDs.compactMap { JSONText.integer($0) }
            guard ids.count == rawIDs.count else { throw fail("\(entryPlace).ids holds something other than integers") }
            guard ids.count == tokens.count else {
                throw fail("\(entryPlace) has \(ids.count) ids but \(tokens.count) tokens; they must pair up")
            }
            specialTokens[key] = SpecialTokenIDs(ids: ids, tokens: tokens)
        }

        func pieces(_ name: String) throws -> [Piece] {
            guard let rawPieces = json[name] as? [Any] else {
                throw fail(".\(name) is not a list of {\"SpecialToken\": …} and {\"Sequence\": …} pieces")
            }
            return try rawPieces.enumerated().map { index, rawPiece in
                let piecePlace = ".\(name)[\(index)]"
                guard let piece = rawPiece as? [String: Any], piece.count == 1, let (kind, rawBody) = piece.first,
                    let body = rawBody as? [String: Any]
                else { throw fail("\(piecePlace) is neither {\"SpecialToken\": {…}} nor {\"Sequence\": {…}}") }
                guard let typeID = JSONText.integer(body["type_id"]) else {
                    throw fail("\(piecePlace).\(kind) needs an integer \"type_id\"")
                }
                switch kind {
                case "Sequence":
                    guard let id = (body["id"] as? String).flatMap(SequenceID.init(rawValue:)) else {
                        throw fail("\(piecePlace).Sequence.id must be \"A\" or \"B\"")
                    }
                    return .sequence(id, typeID: typeID)
                case "SpecialToken":
                    guard let id = body["id"] as? String else {
                        throw fail("\(piecePlace).SpecialToken.id must be a string")
                    }
                    guard specialTokens[id] != nil else {
                        throw fail(
                            "\(piecePlace) names the special token \(JSONText.quoted(id)), which special_tokens "
                                + "does not list; add it there with its ids")
                    }
                    return .specialToken(id, typeID: typeID)
                default:
                    throw fail(
                        "\(piecePlace) is a \(JSONText.quoted(kind)) piece; only SpecialToken and Sequence exist")
                }
            }
        }
        let single = try pieces("single")
        if single.contains(where: { piece in if case .sequence(.second, _) = piece { true } else { false } }) {
            throw fail(".single uses $B, but a single text has only $A")
        }
        self.init(single: single, pair: try pieces("pair"), specialTokens: specialTokens)
    }

    /// The template as a `tokenizer.json` object on one line, special tokens in key order.
    var jsonText: String {
        func piecesText(_ pieces: [Piece]) -> String {
            let items = pieces.map { piece in
                switch piece {
                case .sequence(let id, let typeID):
                    "{\"Sequence\": {\"id\": \"\(id.rawValue)\", \"type_id\": \(typeID)}}"
                case .specialToken(let id, let typeID):
                    "{\"SpecialToken\": {\"id\": \(JSONText.quoted(id)), \"type_id\": \(typeID)}}"
                }
            }
            return "[" + items.joined(separator: ", ") + "]"
        }
        let entries = specialTokens.sorted { $0.key < $1.key }.map { key, entry in
            "\(JSONText.quoted(key)): {\"id\": \(JSONText.quoted(key)), "
                + "\"ids\": [\(entry.ids.map(String.init).joined(separator: ", "))], "
                + "\"tokens\": [\(entry.tokens.map(JSONText.quoted).joined(separator: ", "))]}"
        }
        return "{\"type\": \"TemplateProcessing\", \"single\": \(piecesText(single)), "
            + "\"pair\": \(piecesText(pair)), \"special_tokens\": {\(entries.joined(separator: ", "))}}"
    }
}
