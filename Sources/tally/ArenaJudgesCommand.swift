import ArgumentParser
import Foundation
import TallyArena
import TallyIO
import TallyStore

/// `tally arena judges`: how often judges agree on the items they both judged.
struct ArenaJudgesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "judges",
        abstract: "How often each two judges agree on the battles both judged (oracle vs RM vs people).",
        discussion: """
            An item is a prompt with the same two responses: battles over the same models, prompt, sampling \
            settings and seed reuse the stored responses, so judging them again with another --judge gives a \
            second verdict on the same item. Verdicts compare by the winning model (sides do not matter); a tie \
            and "both bad" count as the same verdict. "without ties" counts only the items where neither judge \
            called a tie. Example:
              tally arena battle --models base,sft --prompts eval --per-pair 20 --judge oracle
              tally arena battle --models base,sft --prompts eval --per-pair 20 --judge rm:rm
              tally arena judges
            """
    )

    @Flag(help: "Print one JSON array instead of a table.")
    var json = false

    @OptionGroup var workspaceOption: WorkspaceOption

    func run() throws {
        try reportingErrors {
            let (_, database) = try workspaceOption.open()
            defer { database.close() }
            let agreement = JudgeAgreement.pairwise(StoredBattles.verdicts(try database.arenaBattles()))
            if json {
                let rows: [[String: Any]] = agreement.map {
                    [
                        "judge_a": $0.judgeA, "judge_b": $0.judgeB, "items": $0.items, "comparisons": $0.comparisons,
                        "agreements": $0.agreements, "rate": $0.rate ?? NSNull(),
                        "rate_without_ties": $0.rateWithoutTies ?? NSNull(),
                    ]
                }
                let data = try JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            guard !agreement.isEmpty else {
                print(
                    "arena judges: no item was judged by two judges; battle the same models on the same prompts "
                        + "with another --judge")
                return
            }
            print("judge A               judge B               items  agree  rate   without ties")
            for pair in agreement {
                func cell(_ text: String) -> String {
                    TerminalSanitizer.sanitizeLine(text).padding(toLength: 20, withPad: " ", startingAt: 0)
                }
                let rate = pair.rate.map { String(format: "%.3f", $0) } ?? "—"
                let withoutTies =
                    pair.rateWithoutTies.map { String(format: "%.3f (%d)", $0, pair.comparisonsWithoutTies) } ?? "—"
                print(
                    "\(cell(pair.judgeA))  \(cell(pair.judgeB))  "
                        + String(format: "%5d  %5d  ", pair.items, pair.agreements) + rate + "  " + withoutTies)
            }
        }
    }
}
