import Foundation
import TallyEngine
import TallyStore
import TallyTUI
import TallyTrain

/// Drafts and critiques written by a workspace checkpoint on the embedded engine, for `tally label`.
///
/// The labeling guidelines go into the prompt as a system message when the prompt still fits the model's
/// context with room to answer; a small model's short context often holds only the conversation, and then
/// the guidelines are left out rather than the draft. A prompt that does not fit at all fails with an
/// error, which the label screen shows as "No draft: …".
final class EngineDrafter: Drafter, @unchecked Sendable {
    let author: DraftAuthor
    private let sampler: ResponseSampler
    private let style: PromptStyle
    private let maxNewTokens: Int
    /// The engine's model holds its activations and KV cache: one generation at a time.
    private let lock = NSLock()

    /// A drafter over a resolved checkpoint (registered in the workspace, so drafts can name it).
    init(checkpoint: ResolvedCheckpoint, checkpointID: Int64, maxNewTokens: Int = 96) throws {
        author = .checkpoint(checkpointID)
        sampler = try ResponseSampler(checkpoint: checkpoint.checkpoint)
        style = checkpoint.defaultPromptStyle
        self.maxNewTokens = maxNewTokens
    }

    func draft(conversation: [ChatTurn], instructions: String, variant: Int) async throws -> String {
        let system = DrafterPrompts.draftSystemPrompt(instructions: instructions)
        return try generate(conversation, system: system, seed: UInt64(variant) + 1, temperature: 0.8)
    }

    func critique(response: String, conversation: [ChatTurn], instructions: String) async throws -> String {
        let system = DrafterPrompts.critiqueSystemPrompt(instructions: instructions)
        let request = [
            ChatTurn(
                role: .user, text: DrafterPrompts.critiqueUserMessage(response: response, conversation: conversation))
        ]
        return try generate(request, system: system, seed: 1, temperature: 0.7)
    }

    private func generate(_ turns: [ChatTurn], system: String, seed: UInt64, temperature: Float) throws -> String {
        let messages = turns.map { Message(role: $0.role.rawValue, content: $0.text) }
        let withGuidelines = try sampler.encode(
            ModelPromptRendering.modelPrompt(
                .messages([Message(role: "system", content: system)] + messages), style: style))
        let plain = try sampler.encode(ModelPromptRendering.modelPrompt(.messages(messages), style: style))
        let roomToAnswer = min(maxNewTokens, 16)
        let context = sampler.model.config.contextLength
        let tokens = withGuidelines.count + roomToAnswer <= context ? withGuidelines : plain
        guard sampler.fits(tokens) else {
            throw SamplerError("the conversation is longer than the model's context of \(context) tokens")
        }
        let budget = min(maxNewTokens, context - tokens.count)
        let settings = SamplingSettings(maxNewTokens: budget, temperature: temperature, topP: 0.95, seed: seed)
        lock.lock()
        defer { lock.unlock() }
        let sampled = try sampler.sample(encoded: [tokens], count: 1, settings: settings)
        return sampled.first?.first?.text ?? ""
    }
}
