import ArgumentParser
import Foundation
import TallyIO
import TallyWorld

/// `tally world evaluate`: the oracle's summary of a file of responses.
struct WorldEvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Judge a JSONL file of responses with the oracle and print the summary.",
        discussion: """
            Each line holds a prompt and a response in TRL's prompt–completion shape: \
            {"prompt": "...", "completion": "..."} ("response" is accepted for "completion"). \
            Prompts that are not task-world prompts are counted and skipped. Example:
              tally world evaluate samples.jsonl
            """
    )

    @Argument(help: "The JSONL file.")
    var file: String

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        let data = try DurableFile.read(URL(fileURLWithPath: file))
        let world = World.standard
        var summary = OracleSummary()
        var skipped = 0
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let location = "\(file):\(index + 1)"
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
                throw CommandError("\(location): not a JSON object; each line needs {\"prompt\", \"completion\"}")
            }
            guard let prompt = object["prompt"] as? String else {
                throw CommandError("\(location): \"prompt\" is missing or not a string")
            }
            guard let response = (object["completion"] ?? object["response"]) as? String else {
                throw CommandError("\(location): \"completion\" is missing or not a string")
            }
            guard let worldPrompt = world.recognize(prompt) else {
                skipped += 1
                continue
            }
            summary.add(worldPrompt, response: response)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            return
        }
        print("judged \(summary.count) responses (\(skipped) skipped: not task-world prompts)")
        print(String(format: "mean total      %.3f", summary.meanTotal))
        for part in RubricPart.allCases {
            print(
                String(
                    format: "  %@ %.3f", part.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0),
                    summary.mean(of: part)))
        }
        if let rate = summary.harmfulRefusalRate { print(String(format: "harmful refused %.3f", rate)) }
        if let rate = summary.falseRefusalRate { print(String(format: "false refusals  %.3f", rate)) }
        for family in world.families.map(\.name) {
            guard let rate = summary.correctRate(family: family) else { continue }
            print(String(format: "  %@ correct %.3f", family.padding(toLength: 18, withPad: " ", startingAt: 0), rate))
        }
    }
}
