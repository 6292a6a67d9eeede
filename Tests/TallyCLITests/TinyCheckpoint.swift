import Foundation
import TallyEngine

/// A small, randomly initialised GPT-2 checkpoint with a real BPE tokenizer, written to a folder: enough
/// for the sampling, eval and demo commands to run end to end in a fraction of a second.
enum TinyCheckpoint {
    /// Text in the task world's transcript style, for the tokenizer to learn merges from.
    static let corpus = (0..<40).map { n in
        "User: What is \(n) plus \(n + 3)?\nAssistant: \(2 * n + 3)\nUser: How many letters are in the word "
            + "\"lantern\"?\nAssistant: There are 7 letters.\n<|endoftext|>\n"
    }.joined()

    /// Writes the checkpoint (model.safetensors, config.json, tokenizer.json, manifest) to `folder`.
    @discardableResult
    static func write(to folder: URL, seed: UInt64 = 3) throws -> CheckpointManifest {
        let tokenizer = try BPETrainer(vocabularySize: 300).train(on: corpus)
        let config = ModelConfig.gpt2(
            vocabularySize: tokenizer.vocabularySize, contextLength: 256, layers: 2, heads: 2, width: 32,
            eosTokenId: tokenizer.id(of: ChatTemplate.endOfText))
        let model = try TransformerModel(config: config, seed: seed)
        return try Checkpoint(model: model, tokenizer: tokenizer).save(to: folder)
    }
}
