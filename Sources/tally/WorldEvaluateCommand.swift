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
        let world = World.standard
        var summary = OracleSummary()
        var skipped = 0
        try JSONLinesReader(url: URL(fileURLWithPath: file), name: file).forEachObject { _, object in
            guard let prompt = object["prompt"]?.stringValue else {
                throw LineProblem(
                    "\"prompt\" is missing or not a string", advice: "each line needs {\"prompt\", \"completion\"}")
            }
            guard let response = (object["completion"] ?? object["response"])?.stringValue else {
                throw LineProblem("\"completion\" is missing or not a string")
            }
            guard let worldPrompt = world.recognize(prompt) else {
                skipped += 1
                return
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
