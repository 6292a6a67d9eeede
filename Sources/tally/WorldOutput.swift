import ArgumentParser
import Foundation
import TallyIO
import TallyWorld

/// The world commands' output: JSON lines built by hand (fixed key order), written whole or not at all.
enum WorldOutput {
    /// `text` as a JSON string literal, every control character escaped (see ``JSONString``).
    static func jsonString(_ text: String) -> String {
        JSONString.quoted(text)
    }

    /// One JSON object with `fields` in the given order.
    static func jsonObject(_ fields: [(String, String)]) -> String {
        "{" + fields.map { jsonString($0.0) + ":" + jsonString($0.1) }.joined(separator: ",") + "}"
    }

    /// A prompt of `split` as `tally world prompts` writes it: {"prompt", "family", "split"}.
    static func promptLine(_ prompt: WorldPrompt, split: PromptSplit) -> String {
        jsonObject([("prompt", prompt.text), ("family", prompt.family), ("split", split.rawValue)])
    }

    /// Writes `lines` with a ``WorldLineWriter``: the file appears only when complete.
    static func write(_ lines: [String], to path: String?) throws {
        let writer = try WorldLineWriter(path: path)
        for line in lines { try writer.write(line) }
        try writer.finish()
    }

    /// Prints a line to standard error (progress and summaries, kept out of piped output).
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((TerminalSanitizer.sanitize(text) + "\n").utf8))
    }
}

extension PromptSplit: ExpressibleByArgument {}
