import Foundation
import Testing

@testable import TallyEngine

/// One text with the ids the `tokenizers` library gave it (written by scripts/make_engine_fixtures.py).
struct TokenizerCase: Decodable {
    var text: String
    var ids: [Int]
    var decoded: String
}

struct TokenizerCases: Decodable {
    var tokenizer: String
    var cases: [TokenizerCase]
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
