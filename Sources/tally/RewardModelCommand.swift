import ArgumentParser
import Foundation
import TallyIO
import TallyStore
import TallyTrain

/// `tally rm score`: a reward model's score for responses.
struct RewardModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Use a reward model.",
        subcommands: [Score.self]
    )

    struct Score: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "score",
            abstract: "Print a reward model's score for a response (or for every line of a JSONL file).",
            discussion: """
                The score is the scalar head at the last token of prompt + response rendered with the chat \
                template, plus the checkpoint's normalisation bias (the demonstrations average 0); raw_score is \
                the head's output alone, as transformers' *ForSequenceClassification gives it. --jsonl reads \
                {"prompt": ..., "response": ...} per line (prompt a string or a message list) and prints one \
                JSON object per line. Examples:
                  tally rm score --checkpoint rm --prompt "Add 3 and 62." --response "65"
                  tally rm score --checkpoint rm --jsonl responses.jsonl
                """
        )

        @Option(help: "The reward model: a workspace checkpoint's name or id, or a checkpoint folder.")
        var checkpoint: String

        @Option(help: "The prompt (a user message).")
        var prompt: String?

        @Option(help: "The response to score.")
        var response: String?

        @Option(help: "A JSONL file of {\"prompt\", \"response\"} objects to score.")
        var jsonl: String?

        @Flag(help: "Print {\"score\", \"raw_score\", \"tokens\"} as JSON.")
        var json = false

        @OptionGroup var workspaceOption: WorkspaceOption

        func validate() throws {
            if jsonl == nil {
                guard prompt != nil, response != nil else {
                    throw ValidationError("pass --prompt and --response, or --jsonl FILE")
                }
            } else if prompt != nil || response != nil {
                throw ValidationError("--jsonl scores a file; leave out --prompt and --response")
            }
        }

        func run() throws {
            try reportingErrors {
                let resolved = try CheckpointResolver.resolve(checkpoint, option: workspaceOption)
                let scorer = try RewardScorer(checkpoint: resolved.checkpoint)
                if let jsonl {
                    for (line, content, text) in try Self.readLines(jsonl) {
                        do {
                            print(Self.json(try scorer.score(prompt: content, response: text)))
                        } catch let error as TrainingError {
                            throw CommandError("\(jsonl):\(line): \(error.description)")
                        }
                    }
                    return
                }
                let reward = try scorer.score(prompt: .text(prompt ?? ""), response: response ?? "")
                print(json ? Self.json(reward) : String(format: "%.6f", reward.score))
            }
        }

        static func json(_ reward: RewardScorer.Reward) -> String {
            let object: [String: Any] = [
                "score": reward.score, "raw_score": reward.rawScore, "tokens": reward.tokens.map(Int.init),
            ]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }

        /// The file's lines as (line number, prompt, response), read by ``JSONLinesReader``.
        /// - Throws: ``LineError`` (`FILE:LINE: what is wrong — what to do`) for an unreadable file or a bad line.
        static func readLines(_ path: String) throws -> [(Int, PromptContent, String)] {
            var result: [(Int, PromptContent, String)] = []
            try JSONLinesReader(url: URL(fileURLWithPath: path), name: path).forEachObject { number, object in
                guard let response = object["response"]?.stringValue else {
                    throw LineProblem(
                        "\"response\" is missing or not a string", advice: "write {\"prompt\": …, \"response\": …}")
                }
                result.append((number, try prompt(object["prompt"]), response))
            }
            return result
        }

        /// A line's `"prompt"`: a string, or a list of `{"role", "content"}` messages.
        private static func prompt(_ value: JSONNode?) throws -> PromptContent {
            if let text = value?.stringValue { return .text(text) }
            guard let list = value?.arrayValue else {
                throw LineProblem("\"prompt\" is missing", advice: "give a string or a list of messages")
            }
            let messages = list.compactMap { item -> Message? in
                guard let role = item.objectValue?["role"]?.stringValue,
                    let content = item.objectValue?["content"]?.stringValue
                else { return nil }
                return Message(role: role, content: content)
            }
            guard messages.count == list.count, !messages.isEmpty else {
                throw LineProblem("\"prompt\" messages need a \"role\" and a \"content\" string each")
            }
            return .messages(messages)
        }
    }
}
