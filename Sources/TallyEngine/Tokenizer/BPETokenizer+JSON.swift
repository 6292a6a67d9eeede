import Foundation

/// Reading and writing Hugging Face `tokenizer.json` (a BPE model with a byte-level pre-tokenizer and decoder).
extension BPETokenizer {
    /// Loads a `tokenizer.json` file.
    public convenience init(contentsOf url: URL) throws {
        try self.init(jsonData: try CheckpointFile.read(url), path: url.path)
    }

    /// Parses the contents of a `tokenizer.json`; `path` names the file in errors.
    ///
    /// Accepts a `BPE` model with `vocab` and `merges` (either `"a b"` strings or `["a", "b"]` pairs), a
    /// `ByteLevel` pre-tokenizer (alone, as the only step of a `Sequence`, or after Llama 3's `Split`; see
    /// ``Llama3PreTokenizer``), a `ByteLevel` decoder, no
    /// normalizer, and as post-processor none, `ByteLevel`, `TemplateProcessing` (see ``TemplateProcessing``),
    /// or a `Sequence` of those with at most one template. Anything else is refused with an error that names
    /// the part, since encoding would silently differ from the `tokenizers` library.
    public convenience init(jsonData data: Data, path: String = "tokenizer.json") throws {
        func fail(_ problem: String) -> CheckpointError { CheckpointError(path: path, problem: problem) }
        let root = try JSONText.object(data, path: path)
        guard let model = root["model"] as? [String: Any] else { throw fail("has no \"model\" object") }
        let modelType = model["type"] as? String ?? "BPE"
        guard modelType == "BPE" else { throw fail("has a \(modelType) model; Tally reads BPE models only") }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = model[key], !(value is NSNull), (value as? String) != "" {
                throw fail("model.\(key) is set; Tally's byte-level BPE does not support it")
            }
        }
        if model["byte_fallback"] as? Bool == true {
            throw fail("model.byte_fallback is set; byte-level BPE does not use it")
        }
        if let dropout = model["dropout"] as? Double, dropout > 0 {
            throw fail("model.dropout is \(dropout); set it to null for deterministic encoding")
        }

        guard let rawVocabulary = model["vocab"] as? [String: Any] else {
            throw fail("model.vocab is not a map of token to id")
        }
        var vocabulary: [String: Int] = [:]
        vocabulary.reserveCapacity(rawVocabulary.count)
        for (token, rawID) in rawVocabulary {
            guard let id = JSONText.integer(rawID) else {
                throw fail("model.vocab: \(JSONText.quoted(token)) has no integer id")
            }
            vocabulary[token] = id
        }

        guard let rawMerges = model["merges"] as? [Any] else { throw fail("model.merges is not a list") }
        var merges: [(String, String)] = []
        merges.reserveCapacity(rawMerges.count)
        for (index, rawMerge) in rawMerges.enumerated() {
            if let pair = rawMerge as? [Any], pair.count == 2, let left = pair[0] as? String,
                let right = pair[1] as? String
            {
                merges.append((left, right))
            } else if let text = rawMerge as? String {
                let parts = text.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw fail("model.merges[\(index)] \(JSONText.quoted(text)) is not two tokens separated by a space")
                }
                merges.append((String(parts[0]), String(parts[1])))
            } else {
                throw fail("model.merges[\(index)] is neither \"a b\" nor [\"a\", \"b\"]")
            }
        }

        var options = Options()
        options.ignoreMerges = model["ignore_merges"] as? Bool ?? false
        options.fuseUnknown = model["fuse_unk"] as? Bool ?? false
        let unknownToken = model["unk_token"] as? String

        if let normalizer = root["normalizer"], !(normalizer is NSNull) {
            throw fail("has a normalizer (\(Self.typeName(normalizer))); Tally's tokenizer supports none")
        }
        guard var preTokenizer = root["pre_tokenizer"] as? [String: Any] else {
            throw fail("has no pre_tokenizer; Tally needs a ByteLevel pre-tokenizer")
        }
        if preTokenizer["type"] as? String == "Sequence", let steps = preTokenizer["pretokenizers"] as? [[String: Any]],
            steps.count == 1 || steps.count == 2
        {
            if steps.count == 2 {
                try Self.checkLlama3Split(steps[0], path: path)
                options.splitsLikeLlama3 = true
            }
            preTokenizer = steps[steps.count - 1]
        }
        guard preTokenizer["type"] as? String == "ByteLevel" else {
            throw fail("has a \(Self.typeName(preTokenizer)) pre-tokenizer; Tally supports ByteLevel only")
        }
        options.addPrefixSpace = preTokenizer["add_prefix_space"] as? Bool ?? false
        if options.splitsLikeLlama3 && options.addPrefixSpace {
            throw fail(
                "pre_tokenizer.pretokenizers[1].add_prefix_space is true after a Split, which puts a space before "
                    + "every piece; Tally supports it only without the Split (set it to false)")
        }
        options.useRegex = preTokenizer["use_regex"] as? Bool ?? true
        options.trimOffsets = preTokenizer["trim_offsets"] as? Bool ?? true
        if let decoder = root["decoder"], !(decoder is NSNull), Self.typeName(decoder) != "ByteLevel" {
            throw fail("has a \(Self.typeName(decoder)) decoder; Tally supports ByteLevel only")
        }
        let postProcessor = try Self.templateProcessing(in: root["post_processor"], path: path)

        var addedTokens: [AddedToken] = []
        for (index, rawToken) in ((root["added_tokens"] as? [Any]) ?? []).enumerated() {
            guard let token = rawToken as? [String: Any], let id = JSONText.integer(token["id"]),
                let content = token["content"] as? String
            else { throw fail("added_tokens[\(index)] needs an integer \"id\" and a string \"content\"") }
            let special = token["special"] as? Bool ?? false
            addedTokens.append(
                AddedToken(
                    id: id, content: content, special: special,
                    singleWord: token["single_word"] as? Bool ?? false,
                    leftStrip: token["lstrip"] as? Bool ?? false,
                    rightStrip: token["rstrip"] as? Bool ?? false,
                    normalized: token["normalized"] as? Bool ?? !special))
        }
        try self.init(
            vocabulary: vocabulary, merges: merges, addedTokens: addedTokens, options: options,
            unknownToken: unknownToken, postProcessor: postProcessor, path: path)
    }

    /// Checks that `step` is Llama 3's `Split` pre-tokenizer step, the only `Split` Tally reproduces.
    private static func checkLlama3Split(_ step: [String: Any], path: String) throws {
        let pattern = (step["pattern"] as? [String: Any])?["Regex"] as? String
        guard typeName(step) == "Split", pattern == Llama3PreTokenizer.pattern,
            step["behavior"] as? String == "Isolated", step["invert"] as? Bool ?? false == false
        else {
            let described =
                typeName(step) == "Split"
                ? "a Split pre-tokenizer with the pattern \(pattern.map(JSONText.quoted) ?? "(not a regex)") and "
                    + "behavior \(step["behavior"] as? String ?? "?")"
                : "a \(typeName(step)) pre-tokenizer"
            throw CheckpointError(
                path: path,
                problem: "pre_tokenizer.pretokenizers[0] is \(described); before ByteLevel Tally supports only "
                    + "Llama 3's Split (its pattern, behavior Isolated, not inverted)")
        }
    }

    /// The `TemplateProcessing` of a `post_processor`: the object itself, or the one step of a `Sequence` that is
    /// one (transformers 5 writes the first for GPT-2, Llama 3 ships the second, after a `ByteLevel` step).
    /// `ByteLevel` steps only adjust offsets and are accepted; nil when no step adds tokens.
    private static func templateProcessing(in processor: Any?, path: String) throws -> TemplateProcessing? {
        func fail(_ problem: String) -> CheckpointError { CheckpointError(path: path, problem: problem) }
        guard let processor, !(processor is NSNull) else { return nil }
        var steps: [(place: String, json: [String: Any])]
        if typeName(processor) == "Sequence" {
            guard let list = (processor as? [String: Any])?["processors"] as? [[String: Any]] else {
                throw fail("post_processor.processors is not a list of post-processors")
            }
            steps = list.enumerated().map { ("post_processor.processors[\($0)]", $1) }
        } else {
            steps = [("post_processor", processor as? [String: Any] ?? [:])]
        }
        var template: TemplateProcessing?
        for (place, step) in steps {
            switch typeName(step) {
            case "ByteLevel":
                continue
            case "TemplateProcessing":
                guard template == nil else {
                    throw fail("\(place) is a second TemplateProcessing, which would add the special tokens twice")
                }
                template = try TemplateProcessing(json: step, place: place, path: path)
            default:
                throw fail(
                    "\(place) is a \(typeName(step)) post-processor; Tally supports TemplateProcessing and "
                        + "ByteLevel (alone or in a Sequence)")
            }
        }
        return template
    }

    private static func typeName(_ component: Any) -> String {
        (component as? [String: Any])?["type"] as? String ?? "unknown"
    }

    /// The tokenizer as `tokenizer.json` text that the `tokenizers` library loads to the same encoding:
    /// vocabulary in id order, merges as `["a", "b"]` pairs, a template post-processor after a `ByteLevel` one.
    public func jsonData() -> Data {
        func flag(_ value: Bool) -> String { value ? "true" : "false" }
        let byteLevel =
            "{\"type\": \"ByteLevel\", \"add_prefix_space\": \(flag(options.addPrefixSpace)), "
            + "\"trim_offsets\": \(flag(options.trimOffsets)), \"use_regex\": \(flag(options.useRegex))}"
        var lines: [String] = ["{", "  \"version\": \"1.0\",", "  \"truncation\": null,", "  \"padding\": null,"]
        if addedTokens.isEmpty {
            lines.append("  \"added_tokens\": [],")
        } else {
            lines.append("  \"added_tokens\": [")
            let entries = addedTokens.map { token in
                "    {\"id\": \(token.id), \"content\": \(JSONText.quoted(token.content)), "
                    + "\"single_word\": \(flag(token.singleWord)), \"lstrip\": \(flag(token.leftStrip)), "
                    + "\"rstrip\": \(flag(token.rightStrip)), \"normalized\": \(flag(token.normalized)), "
                    + "\"special\": \(flag(token.special))}"
            }
            lines.append(entries.joined(separator: ",\n"))
            lines.append("  ],")
        }
        lines.append("  \"normalizer\": null,")
        if options.splitsLikeLlama3 {
            let split =
                "{\"type\": \"Split\", \"pattern\": {\"Regex\": \(JSONText.quoted(Llama3PreTokenizer.pattern))}, "
                + "\"behavior\": \"Isolated\", \"invert\": false}"
            lines.append("  \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [\(split), \(byteLevel)]},")
        } else {
            lines.append("  \"pre_tokenizer\": \(byteLevel),")
        }
        if let postProcessor {
            lines.append(
                "  \"post_processor\": {\"type\": \"Sequence\", \"processors\": [\(byteLevel), \(postProcessor.jsonText)]},"
            )
        } else {
            lines.append("  \"post_processor\": \(byteLevel),")
        }
        lines.append("  \"decoder\": \(byteLevel),")
        lines.append("  \"model\": {")
        lines.append("    \"type\": \"BPE\",")
        lines.append("    \"dropout\": null,")
        lines.append("    \"unk_token\": \(unknownToken.map(JSONText.quoted) ?? "null"),")
        lines.append("    \"continuing_subword_prefix\": null,")
        lines.append("    \"end_of_word_suffix\": null,")
        lines.append("    \"fuse_unk\": \(flag(options.fuseUnknown)),")
        lines.append("    \"byte_fallback\": false,")
        lines.append("    \"ignore_merges\": \(flag(options.ignoreMerges)),")
        let vocabularyLines = vocabulary.sorted { $0.value < $1.value }
            .map { "      \(JSONText.quoted($0.key)): \($0.value)" }
        lines.append("    \"vocab\": {")
        lines.append(vocabularyLines.joined(separator: ",\n"))
        lines.append("    },")
        let mergeLines = mergeList.map { pair in "      [\(JSONText.quoted(pair.0)), \(JSONText.quoted(pair.1))]" }
        lines.append(
            mergeLines.isEmpty
                ? "    \"merges\": []" : "    \"merges\": [\n" + mergeLines.joined(separator: ",\n") + "\n    ]")
        lines.append("  }")
        lines.append("}")
        return Data((lines.joined(separator: "\n") + "\n").utf8)
    }

    /// Writes `tokenizer.json` to `url` atomically (temporary file, `fsync`, rename), replacing a file there.
    public func write(to url: URL) throws {
        try CheckpointFile.replace(url, with: jsonData())
    }
}
