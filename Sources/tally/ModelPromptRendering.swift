import Foundation
import TallyEngine
import TallyStore
import TallyTrain
import TallyWorld

/// Puts workspace prompts to a model in the style it was trained on: the task world's plain-text
/// transcript for a base model, the chat template for a fine-tuned one.
enum ModelPromptRendering {
    /// The model prompt for a stored prompt.
    static func modelPrompt(_ content: PromptContent, style: PromptStyle) -> ModelPrompt {
        switch (content.canonical, style) {
        case (.text(let text), .transcript):
            return .continuation(World.generationPrefix(for: text))
        case (.text(let text), .chat):
            return .conversation([ChatMessage(role: .user, content: text)])
        case (.messages(let messages), .transcript):
            return .continuation(transcript(messages))
        case (.messages(let messages), .chat):
            return .conversation(
                messages.map { ChatMessage(role: ChatRole(rawValue: $0.role) ?? .user, content: $0.content) })
        }
    }

    /// The model prompt for a task-world prompt.
    static func modelPrompt(_ prompt: WorldPrompt, style: PromptStyle) -> ModelPrompt {
        modelPrompt(.text(prompt.text), style: style)
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
