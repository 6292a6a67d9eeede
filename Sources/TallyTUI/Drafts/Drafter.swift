import Foundation

/// Who wrote a draft or critique, as stored in the workspace (never shown to labelers: labeling is blind).
public enum DraftAuthor: Hashable, Sendable {
    /// A checkpoint of this workspace, run by the embedded engine.
    case checkpoint(Int64)
    /// A model behind an OpenAI-compatible endpoint.
    case endpoint(model: String)
}

/// Something that writes model drafts of a demonstration and critiques of responses, prompted with the
/// labeling instructions.
///
/// Two implementations exist: `ChatCompletionsDrafter` (any OpenAI-compatible endpoint, here) and the
/// embedded-engine drafter, which lives in the `tally` target because TallyTUI may not import the engine.
public protocol Drafter: Sendable {
    /// Who writes the drafts; stored beside each draft and critique.
    var author: DraftAuthor { get }
    /// Writes a candidate response to the conversation. `variant` distinguishes the N drafts of one prompt
    /// (implementations may vary the seed or temperature with it).
    func draft(conversation: [ChatTurn], instructions: String, variant: Int) async throws -> String
    /// Critiques a response against the instructions: what it does well, what breaks the guidelines.
    func critique(response: String, conversation: [ChatTurn], instructions: String) async throws -> String
}

/// The system prompts both drafter kinds use, so drafts and critiques follow the same guidelines.
public enum DrafterPrompts {
    public static func draftSystemPrompt(instructions: String) -> String {
        """
        You are helping a human labeler write the ideal assistant response. Follow these labeling \
        guidelines exactly.

        \(instructions)

        Reply with the response only.
        """
    }

    public static func critiqueSystemPrompt(instructions: String) -> String {
        """
        You review assistant responses against these labeling guidelines.

        \(instructions)

        Write a short critique (at most five sentences) of the response you are given: say which guidelines \
        it follows and which it breaks (factual errors, harm, unhelpfulness, verbosity). Do not rewrite it.
        """
    }

    /// The conversation followed by the response under review, for critique requests.
    public static func critiqueUserMessage(response: String, conversation: [ChatTurn]) -> String {
        var text = "Conversation:\n"
        for turn in conversation { text += "[\(turn.role.rawValue)] \(turn.text)\n" }
        text += "\nResponse to critique:\n\(response)"
        return text
    }
}
