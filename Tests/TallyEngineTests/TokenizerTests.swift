import Foundation
import Testing

@testable import TallyEngine

let roundTripTexts = [
    "", "Hello, world!", "I'll can't we're they've", "  leading and trailing  ", "tabs\t\tand\n\n\nnewlines\r\n",
    "Café naïve Zürich e\u{301}", "Привет, мир!", "你好，世界！日本語のテキスト한국어", "👍🏽 👨‍👩‍👧 🇫🇷 ❤️",
    "<|im_start|>user\nHi<|im_end|>\n<|endoftext|>", "a<|im_end|>b<|im_end", "\u{0}\u{1}\u{7F} control", "𝔘𝔫𝔦 𝟙𝟚",
    String(repeating: " ", count: 300) + String(repeating: "9", count: 300),
]

func corpusText() throws -> String {
    try String(contentsOf: fixturesFolder.appendingPathComponent("tokenizer/corpus.txt"), encoding: .utf8)
}

@Test func preTokenizerSplitsLikeGPT2sPattern() {
    #expect(GPT2PreTokenizer.pieces(of: "I'll pay 42  dollars!") == ["I", "'ll", " pay", " 42", " ", " dollars", "!"])
    #expect(
        GPT2PreTokenizer.pieces(of: "a  b   c\t\td\n\n\ne    ") == [
            "a", " ", " b", "  ", " c", "\t", "\t", "d", "\n\n", "\n", "e", "    ",
        ])
    #expect(GPT2PreTokenizer.pieces(of: "DON'T 's ''s") == ["DON", "'", "T", " '", "s", " ''", "s"])
    #expect(GPT2PreTokenizer.pieces(of: "x2y3 CO₂ ½") == ["x", "2", "y", "3", " CO", "₂", " ½"])
    #expect(GPT2PreTokenizer.pieces(of: "héllo wörld...!? 你好") == ["héllo", " wörld", "...!?", " 你好"])
    #expect(GPT2PreTokenizer.pieces(of: "\u{A0}nbsp\u{3000}x") == ["\u{A0}", "nbsp", "\u{3000}", "x"])
    #expect(GPT2PreTokenizer.pieces(of: "") == [])
    #expect(GPT2PreTokenizer.pieces(of: " ") == [" "])
}

@Test func byteLevelAlphabetCoversEveryByteOnce() {
    #expect(Set(ByteLevel.scalarForByte).count == 256)
    #expect(ByteLevel.encode(Array(" hi\n".utf8)) == "Ġhi\u{10A}")
    #expect(ByteLevel.decode("Ġhi") == Array(" hi".utf8))
    #expect(ByteLevel.decode("<|x|>") == Array("<|x|>".utf8))
    #expect(ByteLevel.decode("a b") == nil)
}

@Test func encodingThenDecodingGivesTheTextBack() throws {
    let tokenizers = [try fixtureTokenizer(), try BPETrainer(vocabularySize: 400).train(on: try corpusText())]
    for tokenizer in tokenizers {
        for text in roundTripTexts {
            let ids = tokenizer.encode(text)
            #expect(tokenizer.decode(ids) == text, "\(text.debugDescription) → \(ids)")
            #expect(tokenizer.decode(tokenizer.encode(text, allowSpecialTokens: false)) == text)
        }
    }
}

@Test func specialTokensAreSplitOutOnlyWhenAllowed() throws {
    let tokenizer = try fixtureTokenizer()
    let end = try #require(tokenizer.id(of: "<|im_end|>"))
    #expect(tokenizer.encode("<|im_end|>") == [end])
    #expect(tokenizer.encode("hi<|im_end|>").last == end)
    #expect(!tokenizer.encode("<|im_end|>", allowSpecialTokens: false).contains(end))
    #expect(tokenizer.isSpecial(end))
    #expect(tokenizer.decode(tokenizer.encode("a<|im_end|>b"), skipSpecialTokens: true) == "ab")
}

/// An added token listed twice with different ids: looking it up gives the id that encoding its text gives, and
/// the chat template uses the same ids.
@Test func anAddedTokenListedTwiceHasTheIdItsTextEncodesTo() throws {
    let tokenizer = try BPETokenizer(
        vocabulary: ["a": 0, "b": 1], merges: [],
        addedTokens: [
            AddedToken(id: 2, content: ChatTemplate.turnStart), AddedToken(id: 3, content: ChatTemplate.turnEnd),
            AddedToken(id: 4, content: ChatTemplate.turnEnd),
        ])
    let end = try #require(tokenizer.id(of: ChatTemplate.turnEnd))
    #expect(tokenizer.encode("a" + ChatTemplate.turnEnd) == [0, end])
    #expect(try ChatTemplate(tokenizer: tokenizer).turnEndID == end)
    #expect(tokenizer.id(of: "b") == 1)
    #expect(tokenizer.addedTokenID("b") == nil, "a vocabulary entry is not an added token")
}

@Test func trainingIsDeterministicAndReachesTheVocabularySize() throws {
    let corpus = try corpusText()
    let first = try BPETrainer(vocabularySize: 350).train(on: corpus)
    let second = try BPETrainer(vocabularySize: 350).train(on: corpus)
    #expect(first.jsonData() == second.jsonData())
    #expect(first.vocabularySize == 350)
    #expect(first.mergeList.count == 350 - 3 - 256)
    #expect(first.addedTokens.map(\.content) == BPETrainer.defaultSpecialTokens)
    #expect(first.addedTokens.map(\.id) == [0, 1, 2])
    // Merges compress: the trained tokenizer needs far fewer tokens than bytes on its own corpus.
    #expect(first.encode(corpus).count * 4 < corpus.utf8.count * 3)
    // The most frequent pair in English text with GPT-2 pieces is merged early.
    #expect(first.vocabulary["Ġt"] != nil || first.vocabulary["Ġthe"] != nil)
}

@Test func trainingStopsWhenNoPairRepeats() throws {
    let tokenizer = try BPETrainer(vocabularySize: 10_000).train(on: "abc abd")
    // "ab" occurs twice and " a" once; nothing else repeats.
    #expect(tokenizer.mergeList.map { $0.0 + $0.1 } == ["ab"])
    #expect(tokenizer.encode("abc abd").count == 5)
}

@Test func trainingRefusesAVocabularyTooSmallForTheBytes() {
    let error = #expect(throws: CheckpointError.self) { try BPETrainer(vocabularySize: 100).train(on: "text") }
    #expect(error?.problem.contains("at least 259") == true)
}

@Test func savedTokenizerReloadsToTheSameEncoding() throws {
    let trained = try BPETrainer(vocabularySize: 420).train(on: try corpusText())
    let reloaded = try BPETokenizer(jsonData: trained.jsonData(), path: "saved.json")
    #expect(reloaded.jsonData() == trained.jsonData())
    for text in roundTripTexts { #expect(reloaded.encode(text) == trained.encode(text)) }

    let fixture = try fixtureTokenizer()
    let again = try BPETokenizer(jsonData: fixture.jsonData())
    for text in roundTripTexts { #expect(again.encode(text) == fixture.encode(text)) }
}

@Test func longPiecesEncodeWithoutQuadraticBlowUp() throws {
    let tokenizer = try fixtureTokenizer()
    let digits = String(repeating: "1234567890", count: 2_000)
    #expect(tokenizer.decode(tokenizer.encode(digits)) == digits)
    let spaces = String(repeating: " ", count: 20_000) + "x"
    #expect(tokenizer.decode(tokenizer.encode(spaces)) == spaces)
}

@Test func unsupportedTokenizerFilesAreRefusedWithTheReason() throws {
    let fixture = try Data(contentsOf: fixturesFolder.appendingPathComponent("tokenizer/tokenizer.json"))
    var root = try #require(try JSONSerialization.jsonObject(with: fixture) as? [String: Any])
    func refused(_ change: (inout [String: Any]) -> Void) throws -> String {
        var copy = root
        change(&copy)
        let data = try JSONSerialization.data(withJSONObject: copy)
        let error = #expect(throws: CheckpointError.self) { try BPETokenizer(jsonData: data, path: "t.json") }
        return error?.description ?? ""
    }
    #expect(try refused { $0["normalizer"] = ["type": "NFC"] }.contains("normalizer"))
    #expect(try refused { $0["pre_tokenizer"] = ["type": "Whitespace"] }.contains("Whitespace pre-tokenizer"))
    #expect(try refused { $0["post_processor"] = ["type": "RobertaProcessing"] }.contains("RobertaProcessing"))
    let split: [String: Any] = ["type": "Split", "pattern": ["Regex": "\\s+"], "behavior": "Isolated", "invert": false]
    let byteLevel: [String: Any] = ["type": "ByteLevel", "add_prefix_space": false, "use_regex": false]
    #expect(
        try refused { $0["pre_tokenizer"] = ["type": "Sequence", "pretokenizers": [split, byteLevel]] }
            .contains("pattern \"\\\\s+\""))
    #expect(
        try refused { root in
            var model = root["model"] as? [String: Any] ?? [:]
            model["merges"] = [["Ġ", "no-such-token"]]
            root["model"] = model
        }.contains("not in the vocabulary"))
    #expect(
        try refused { root in
            var model = root["model"] as? [String: Any] ?? [:]
            model["type"] = "WordPiece"
            root["model"] = model
        }.contains("WordPiece"))
    root["added_tokens"] = "nonsense"
    #expect(throws: Never.self) { try BPETokenizer(jsonData: try JSONSerialization.data(withJSONObject: root)) }
    #expect(throws: CheckpointError.self) { try BPETokenizer(jsonData: Data("{".utf8), path: "broken.json") }
}

@Test func streamingDecodeGivesTheSameTextTokenByToken() throws {
    let tokenizer = try fixtureTokenizer()
    for text in roundTripTexts + ["👨‍👩‍👧 你好 🇫🇷 end"] {
        var stream = TokenStreamDecoder(tokenizer: tokenizer)
        var pieces: [String] = []
        for id in tokenizer.encode(text) { pieces.append(stream.append(id)) }
        pieces.append(stream.finish())
        #expect(pieces.joined() == text)
        // No piece carries a replacement character: split characters were held back, not broken.
        #expect(!pieces.contains { $0.contains("\u{FFFD}") })
    }
    var cut = TokenStreamDecoder(tokenizer: tokenizer)
    let emoji = tokenizer.encode("👍")
    #expect(emoji.count > 1)
    #expect(cut.append(emoji[0]) == "")
    #expect(cut.finish() == "\u{FFFD}")
}

@Test func trainingLearnsTheSameMergesAsTheTokenizersLibrary() throws {
    let folder = fixturesFolder.appendingPathComponent("tokenizer")
    // Read as bytes so the text is exactly the one the tokenizers library trained on.
    let corpus = String(
        decoding: try Data(contentsOf: folder.appendingPathComponent("training-corpus.txt")), as: UTF8.self)
    let reference = try BPETokenizer(contentsOf: folder.appendingPathComponent("trained-by-tokenizers.json"))
    let trained = try BPETrainer(vocabularySize: 700, minimumPairCount: 2).train(on: corpus)
    #expect(trained.mergeList.count > 200)
    #expect(trained.mergeList.map { [$0.0, $0.1] } == reference.mergeList.map { [$0.0, $0.1] })
    #expect(trained.vocabulary == reference.vocabulary)
    #expect(trained.addedTokens.map(\.content) == reference.addedTokens.map(\.content))
}
