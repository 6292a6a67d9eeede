import Foundation
import Testing

@testable import TallyEngine

/// One text with the ids the `tokenizers` library gave it (written by scripts/make_engine_fixtures.py).
struct TokenizerCase: Decodable {
    var text: String
    var ids: [Int]
    var decoded: String
    /// With `add_special_tokens=False`, for tokenizers with a template post-processor.
    var idsWithoutSpecialTokens: [Int]?
    /// The pre-tokenizer's pieces in byte-level spelling, for a tokenizer with Llama 3's pre-tokenizer.
    var pieces: [String]?

    enum CodingKeys: String, CodingKey {
        case text, ids, decoded, pieces
        case idsWithoutSpecialTokens = "ids_without_special_tokens"
    }
}

/// Two texts encoded together, as `tokenizer.encode(text, pair)` does.
struct TokenizerPairCase: Decodable {
    var text: String
    var pair: String
    var ids: [Int]
    var typeIDs: [Int]
    var idsWithoutSpecialTokens: [Int]

    enum CodingKeys: String, CodingKey {
        case text, pair, ids
        case typeIDs = "type_ids"
        case idsWithoutSpecialTokens = "ids_without_special_tokens"
    }
}

struct TokenizerCases: Decodable {
    var tokenizer: String
    var cases: [TokenizerCase]
    var pairs: [TokenizerPairCase]?
}

func expectParity(casesFile: String) throws {
    let folder = fixturesFolder.appendingPathComponent("tokenizer")
    let fixture = try JSONDecoder().decode(
        TokenizerCases.self, from: Data(contentsOf: folder.appendingPathComponent(casesFile)))
    let tokenizer = try BPETokenizer(contentsOf: folder.appendingPathComponent(fixture.tokenizer))
    #expect(fixture.cases.count > 30)
    for entry in fixture.cases {
        #expect(tokenizer.encode(entry.text) == entry.ids, "\(entry.text.debugDescription)")
        #expect(tokenizer.decode(entry.ids) == entry.decoded, "\(entry.text.debugDescription)")
        if let plain = entry.idsWithoutSpecialTokens {
            #expect(tokenizer.encode(entry.text, addSpecialTokens: false) == plain, "\(entry.text.debugDescription)")
        }
    }
    for entry in fixture.pairs ?? [] {
        let label = "\(entry.text.debugDescription) + \(entry.pair.debugDescription)"
        #expect(tokenizer.encode(entry.text, pair: entry.pair) == entry.ids, "\(label)")
        #expect(
            tokenizer.encode(entry.text, pair: entry.pair, addSpecialTokens: false) == entry.idsWithoutSpecialTokens,
            "\(label)")
        let laidOut = tokenizer.postProcessor?.apply(
            first: tokenizer.encode(entry.text, addSpecialTokens: false),
            pair: tokenizer.encode(entry.pair, addSpecialTokens: false))
        #expect(laidOut?.ids == entry.ids, "\(label)")
        #expect(laidOut?.typeIDs == entry.typeIDs, "\(label)")
    }
}

@Test func encodingMatchesTheTokenizersLibrary() throws {
    try expectParity(casesFile: "cases.json")
}

@Test func encodingMatchesTheTokenizersLibraryWithPrefixSpaceAndStringMerges() throws {
    try expectParity(casesFile: "cases-prefix-space.json")
}

@Test func stringAndPairMergeFormsLoadTheSameModel() throws {
    let folder = fixturesFolder.appendingPathComponent("tokenizer")
    let pairs = try BPETokenizer(contentsOf: folder.appendingPathComponent("tokenizer.json"))
    let strings = try BPETokenizer(contentsOf: folder.appendingPathComponent("tokenizer-prefix-space.json"))
    #expect(pairs.mergeList.map { [$0.0, $0.1] } == strings.mergeList.map { [$0.0, $0.1] })
    #expect(pairs.vocabulary == strings.vocabulary)
    #expect(strings.options.addPrefixSpace && !pairs.options.addPrefixSpace)
}

@Test func llama3StyleTemplateAddsBeginOfTextAsTheTokenizersLibraryDoes() throws {
    try expectParity(casesFile: "cases-llama3-style.json")
    let tokenizer = try BPETokenizer(
        contentsOf: fixturesFolder.appendingPathComponent("tokenizer/llama3-style.json"))
    let begin = try #require(tokenizer.addedTokenID("<|begin_of_text|>"))
    #expect(tokenizer.postProcessor?.idsBeforeText == [begin])
    #expect(tokenizer.encode("") == [begin])
    #expect(tokenizer.encode("a", pair: "b").filter { $0 == begin }.count == 2)
    // Typed in the text, the token is matched as text says; the template still adds its own.
    #expect(tokenizer.encode("<|begin_of_text|>x").prefix(2) == [begin, begin])
}

@Test func gpt2TokenizerSavedByTransformers5EncodesAsTheTokenizersLibraryDoes() throws {
    try expectParity(casesFile: "cases-gpt2-transformers5.json")
    let tokenizer = try BPETokenizer(
        contentsOf: fixturesFolder.appendingPathComponent("tokenizer/gpt2-transformers5.json"))
    let plain = try fixtureTokenizer()
    #expect(tokenizer.postProcessor?.idsBeforeText == [])
    for text in roundTripTexts { #expect(tokenizer.encode(text) == plain.encode(text)) }
}

@Test func llama3PreTokenizerSplitsAsTheTokenizersLibraryDoes() throws {
    let url = fixturesFolder.appendingPathComponent("tokenizer/cases-llama3-split.json")
    let fixture = try JSONDecoder().decode(TokenizerCases.self, from: Data(contentsOf: url))
    for entry in fixture.cases {
        let pieces = Llama3PreTokenizer.pieces(of: entry.text).map { ByteLevel.encode(Array($0.utf8)) }
        #expect(pieces == entry.pieces, "\(entry.text.debugDescription)")
    }
    #expect(
        Llama3PreTokenizer.pieces(of: "I'LL pay 12345!\n\n  ok") == [
            "I", "'LL", " pay", " ", "123", "45", "!\n\n", " ", " ok",
        ])
}

@Test func llama3StyleTokenizerWithItsSplitEncodesAsTheTokenizersLibraryDoes() throws {
    try expectParity(casesFile: "cases-llama3-split.json")
    let url = fixturesFolder.appendingPathComponent("tokenizer/llama3-split.json")
    let tokenizer = try BPETokenizer(contentsOf: url)
    #expect(tokenizer.options.splitsLikeLlama3 && !tokenizer.options.useRegex && tokenizer.options.ignoreMerges)
    let reloaded = try BPETokenizer(jsonData: tokenizer.jsonData())
    #expect(reloaded.options == tokenizer.options && reloaded.jsonData() == tokenizer.jsonData())
}
