import Foundation
import TallyEngine
import TallyStore
import TallyWorld

/// Puts workspace prompts to a model in the style it was trained on: the task world's plain-text
/// transcript for a base model, the chat template for a fine-tuned one.
public enum ModelPromptRendering {
    /// The model prompt for a stored prompt.
    public static func modelPrompt(_ content: PromptContent, style: PromptStyle) -> ModelPrompt {
        switch (content.canonical, style) {
        case (.text(let text), .transcript):
            return .continuation(World.generationPrefix(for: text))
        case (.text(let text), .chat):
            return .conversation([ChatMessage(role: .user, content: text)])
        case (.messages(let messages), .transcript):
            return .continuation(transcript(messages))
        case (.messages, .chat):
            return .conversation(chatMessages(content.canonical))
        }
    }

    /// The model prompt for a task-world prompt.
    public static func modelPrompt(_ prompt: WorldPrompt, style: PromptStyle) -> ModelPrompt {
        modelPrompt(.text(prompt.text), style: style)
    }

    /// A stored prompt's turns as chat messages (a single text is one user turn; unknown roles read as user).
    public static func chatMessages(_ content: PromptContent) -> [ChatMessage] {
        content.asMessages.map { ChatMessage(role: ChatRole(rawValue: $0.role) ?? .user, content: $0.content) }
    }

    /// A conversation in the corpus's transcript style, ending where the assistant's next turn begins.
    /// A system message comes first as a plain line.
    private static func transcript(_ messages: [Message]) -> String {
        var lines: [String] = []
        for message in messages {
            switch message.role {
            case "assistant": lines.append(World.assistantPrefix + message.content)
            case "system": lines.append(message.content)
            default: lines.append(World.userPrefix + message.content)
            }
        }
        lines.append(World.assistantPrefix.trimmingCharacters(in: .whitespaces))
        return lines.joined(separator: "\n")
    }
}
