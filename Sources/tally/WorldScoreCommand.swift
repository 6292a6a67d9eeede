import ArgumentParser
import TallyWorld

/// `tally world score`: the oracle's judgement of one response.
struct WorldScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score a response to a world prompt with the oracle, part by part.",
        discussion: """
            Example:
              tally world score --prompt "What is 37 plus 45?" --response "82"
            """
    )

    @Option(help: "The prompt, exactly as a world family writes it.")
    var prompt: String

    @Option(help: "The response to judge.")
    var response: String

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        let world = TallyWorld.World()
        guard let worldPrompt = world.recognize(prompt) else {
            throw CommandError(
                "\"\(prompt.prefix(80))\" is not a prompt of the task world; `tally world prompts` writes some")
        }
        let score = Oracle.score(worldPrompt, response: response)
        if json {
            let parts = RubricPart.allCases.map { "\"\($0.rawValue)\":\(score.value(of: $0))" }
            print("{\"family\":\"\(worldPrompt.family)\",\(parts.joined(separator: ",")),\"total\":\(score.total)}")
            return
        }
        print("family: \(worldPrompt.family)")
        for part in RubricPart.allCases {
            let name = part.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)
            print("\(name) \(format(score.value(of: part)))  (weight \(format(part.weight)))")
        }
        print("\("total".padding(toLength: 14, withPad: " ", startingAt: 0)) \(format(score.total))")
    }

    private func format(_ value: Double) -> String {
        String(format: "%.2f", value)
    }
}
