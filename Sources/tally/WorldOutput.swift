import ArgumentParser
import Foundation
import TallyIO
import TallyWorld

/// The world commands' output: JSON lines built by hand (fixed key order), written whole or not at all.
enum WorldOutput {
    /// One JSON object with `fields` in the given order.
    static func jsonObject(_ fields: [(String, String)]) -> String {
        "{" + fields.map { JSONString.quoted($0.0) + ":" + JSONString.quoted($0.1) }.joined(separator: ",") + "}"
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
}

extension PromptSplit: ExpressibleByArgument {}
