import Foundation
import Testing

@testable import TallyEngine

/// What scripts/make_engine_fixtures.py recorded about a tiny transformers model it saved.
struct GenerationFixture: Decodable {
    struct Run: Decodable {
        var prompt: String
        /// Set when the prompt is a conversation that transformers' `apply_chat_template` rendered.
        var messages: [ChatMessage]?
        var promptIDs: [Int]
        var generatedIDs: [Int]
        var lastPromptLogits: [Float]

        enum CodingKeys: String, CodingKey {
            case prompt, messages
            case promptIDs = "prompt_ids"
            case generatedIDs = "generated_ids"
            case lastPromptLogits = "last_prompt_logits"
        }
    }

    struct TensorCheck: Decodable {
        var shape: [Int]
        var first: [Float]
        var sum: Double
    }

    var maxNewTokens: Int
    var runs: [Run]
    var tensors: [String: TensorCheck]

    enum CodingKeys: String, CodingKey {
        case maxNewTokens = "max_new_tokens"
        case runs, tensors
    }

    static func load(_ name: String) throws -> GenerationFixture {
        let url = fixturesFolder.appendingPathComponent(name).appendingPathComponent("generation.json")
        return try JSONDecoder().decode(GenerationFixture.self, from: Data(contentsOf: url))
    }
}

/// Loads a folder saved by transformers and checks every stored tensor against the values torch had.
func expectHuggingFaceFolderLoads(_ name: String, dtype: String) throws -> Checkpoint {
    let folder = fixturesFolder.appendingPathComponent(name)
    let checkpoint = try Checkpoint.loadHuggingFace(from: folder)
    let fixture = try GenerationFixture.load(name)
    let header = try Data(contentsOf: folder.appendingPathComponent("model.safetensors")).prefix(400)
    #expect(String(decoding: header, as: UTF8.self).contains("\"dtype\":\"\(dtype)\""))

    let tensors = checkpoint.modelTensorsByName
    for (tensorName, check) in fixture.tensors {
        // A tied lm_head is stored once, as the embedding.
        guard let tensor = tensors[tensorName] else {
            #expect(tensorName == "lm_head.weight" && tensors["transformer.wte.weight"] != nil, "\(tensorName) missing")
            continue
        }
        #expect(tensor.shape == check.shape, "\(tensorName)")
        #expect(Array(tensor.values.prefix(4)) == check.first, "\(tensorName)")
        let sum = tensor.values.reduce(0.0) { $0 + Double($1) }
        #expect(abs(sum - check.sum) <= 1e-9 * max(1, abs(check.sum)), "\(tensorName): \(sum) vs \(check.sum)")
    }
    // Prompts encode to the ids transformers generated from: text as `tokenizer(text)` encodes it, with the
    // template's special tokens, and conversations as `apply_chat_template` does.
    for run in fixture.runs {
        if let messages = run.messages {
            #expect(try ChatTemplate(tokenizer: checkpoint.tokenizer).encodePrompt(messages) == run.promptIDs)
        } else {
            #expect(checkpoint.tokenizer.encode(run.prompt) == run.promptIDs, "\(run.prompt.debugDescription)")
        }
    }
    #expect(fixture.runs.contains { $0.messages != nil })
    return checkpoint
}

@Test func gpt2FolderSavedByTransformersLoads() throws {
    let checkpoint = try expectHuggingFaceFolderLoads("gpt2-tiny", dtype: "F32")
    let config = try JSONSerialization.jsonObject(with: checkpoint.configJSON) as? [String: Any]
    #expect(config?["model_type"] as? String == "gpt2")
}

@Test func llamaFolderSavedInBFloat16ByTransformersLoads() throws {
    let checkpoint = try expectHuggingFaceFolderLoads("llama-tiny", dtype: "BF16")
    let config = try JSONSerialization.jsonObject(with: checkpoint.configJSON) as? [String: Any]
    #expect(config?["num_key_value_heads"] as? Int == 2)
}

@Test func llama3StyleFolderSavedByTransformers5Loads() throws {
    let checkpoint = try expectHuggingFaceFolderLoads("llama3-tiny", dtype: "BF16")
    let begin = try #require(checkpoint.tokenizer.addedTokenID("<|begin_of_text|>"))
    #expect(checkpoint.tokenizer.postProcessor?.idsBeforeText == [begin])
    for run in try GenerationFixture.load("llama3-tiny").runs {
        #expect(run.promptIDs.first == begin && run.promptIDs.filter { $0 == begin }.count == 1)
    }
}

/// A folder transformers saved, imported and saved again by Tally, comes back the same, tokenizer template included.
@Test(arguments: ["llama-tiny", "llama3-tiny"])
func huggingFaceFolderSavedAgainByTallyIsVerifiedAndIdentical(_ name: String) throws {
    let workspace = try makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: workspace) }
    let original = try Checkpoint.loadHuggingFace(from: fixturesFolder.appendingPathComponent(name))
    let folder = workspace.appendingPathComponent("imported")
    try original.save(to: folder)
    let again = try Checkpoint.load(from: folder)
    expectSameContents(again, original)
    #expect(again.tokenizer.postProcessor == original.tokenizer.postProcessor)
    #expect(again.tokenizer.encode("Hi") == original.tokenizer.encode("Hi"))
}
