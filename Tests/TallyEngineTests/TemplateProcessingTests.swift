import Foundation
import Testing

@testable import TallyEngine

/// The Llama-3-style fixture's JSON, to change one part of it at a time.
private func llama3StyleJSON() throws -> [String: Any] {
    let data = try Data(contentsOf: fixturesFolder.appendingPathComponent("tokenizer/llama3-style.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

/// The error loading `root` gives, or "" when it loads.
private func loadError(_ root: [String: Any]) throws -> String {
    let data = try JSONSerialization.data(withJSONObject: root)
    let error = #expect(throws: CheckpointError.self) { try BPETokenizer(jsonData: data, path: "t.json") }
    return error?.description ?? ""
}

private let beginOfText: [String: Any] = ["SpecialToken": ["id": "<|begin_of_text|>", "type_id": 0]]
private let sequenceA: [String: Any] = ["Sequence": ["id": "A", "type_id": 0]]
private let sequenceB: [String: Any] = ["Sequence": ["id": "B", "type_id": 1]]

private func template(
    single: [[String: Any]] = [beginOfText, sequenceA], pair: [[String: Any]] = [sequenceA, sequenceB],
    specialTokens: [String: Any] = [
        "<|begin_of_text|>": ["id": "<|begin_of_text|>", "ids": [389], "tokens": ["<|begin_of_text|>"]]
    ]
) -> [String: Any] {
    ["type": "TemplateProcessing", "single": single, "pair": pair, "special_tokens": specialTokens]
}

@Test func templateLaysOutSequencesAndSpecialTokensInTemplateOrder() {
    let bert = TemplateProcessing(
        single: [.specialToken("[CLS]", typeID: 0), .sequence(.first, typeID: 0), .specialToken("[SEP]", typeID: 0)],
        pair: [
            .sequence(.second, typeID: 1), .specialToken("[SEP]", typeID: 1), .sequence(.first, typeID: 0),
            .sequence(.first, typeID: 2),
        ],
        specialTokens: [
            "[CLS]": .init(ids: [101], tokens: ["[CLS]"]), "[SEP]": .init(ids: [102, 103], tokens: ["[S", "EP]"]),
        ])
    #expect(bert.apply(first: [7, 8], pair: nil) == ([101, 7, 8, 102, 103], [0, 0, 0, 0, 0]))
    #expect(bert.apply(first: [7, 8], pair: nil, addSpecialTokens: false) == ([7, 8], [0, 0]))
    #expect(bert.apply(first: [7], pair: [9]) == ([9, 102, 103, 7, 7], [1, 1, 1, 0, 2]))
    #expect(bert.apply(first: [7], pair: [9], addSpecialTokens: false) == ([9, 7, 7], [1, 0, 2]))
    #expect(bert.apply(first: [], pair: nil) == ([101, 102, 103], [0, 0, 0]))
    #expect(bert.idsBeforeText == [101])
}

@Test func templateProcessingAloneOrInASequenceLoads() throws {
    var root = try llama3StyleJSON()
    let inSequence = try BPETokenizer(jsonData: try JSONSerialization.data(withJSONObject: root))
    root["post_processor"] = template()
    let alone = try BPETokenizer(jsonData: try JSONSerialization.data(withJSONObject: root))
    #expect(inSequence.postProcessor?.single == alone.postProcessor?.single)
    #expect(alone.encode("Hi") == [389] + alone.encode("Hi", addSpecialTokens: false))
    #expect(alone.decode(alone.encode("Hi"), skipSpecialTokens: true) == "Hi")
}

@Test func templatesTheTokenizersLibraryCannotApplyAreRefusedWithTheReason() throws {
    var root = try llama3StyleJSON()
    func refused(_ processor: [String: Any]) throws -> String {
        root["post_processor"] = processor
        return try loadError(root)
    }
    #expect(try refused(template(specialTokens: [:])).contains("special_tokens does not list"))
    #expect(try refused(template(single: [sequenceB])).contains("uses $B"))
    #expect(
        try refused(
            template(specialTokens: ["<|begin_of_text|>": ["id": "<|begin_of_text|>", "ids": [389], "tokens": []]])
        ).contains("1 ids but 0 tokens"))
    #expect(
        try refused(
            template(specialTokens: ["<|begin_of_text|>": ["id": "x", "ids": [99_999], "tokens": ["x"]]])
        ).contains("adds id 99999, which no token has"))
    #expect(try refused(template(single: [["Sequence": ["id": "C", "type_id": 0]]])).contains("\"A\" or \"B\""))
    #expect(try refused(template(single: [["Sequence": ["id": "A"]]])).contains("type_id"))
    #expect(try refused(template(single: [["Token": ["id": "A", "type_id": 0]]])).contains("\"Token\" piece"))
    #expect(try refused(["type": "TemplateProcessing", "single": [sequenceA]]).contains("special_tokens"))
    let twice = try refused(["type": "Sequence", "processors": [template(), template()]])
    #expect(twice.contains("post_processor.processors[1]") && twice.contains("twice"))
    #expect(try refused(["type": "Sequence", "processors": [["type": "BertProcessing"]]]).contains("BertProcessing"))
}

@Test func savedTokenizerKeepsItsTemplate() throws {
    let url = fixturesFolder.appendingPathComponent("tokenizer/llama3-style.json")
    let original = try BPETokenizer(contentsOf: url)
    let reloaded = try BPETokenizer(jsonData: original.jsonData(), path: "saved.json")
    #expect(reloaded.postProcessor == original.postProcessor)
    #expect(reloaded.jsonData() == original.jsonData())
    for text in roundTripTexts {
        #expect(reloaded.encode(text) == original.encode(text))
        #expect(reloaded.encode(text, pair: "b") == original.encode(text, pair: "b"))
    }
}
