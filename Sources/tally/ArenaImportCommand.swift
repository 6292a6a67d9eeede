import ArgumentParser
import Foundation
import TallyArena
import TallyIO
import TallyStore

/// `tally arena import FILE`: battles from a Chatbot Arena JSON-lines log.
struct ArenaImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import battles from a Chatbot Arena JSON-lines log (model_a, model_b, winner, …).",
        discussion: """
            Each line is one battle: "model_a" and "model_b" (the models' names), "winner" ("model_a", \
            "model_b", "tie" or "tie (bothbad)"), and optionally "judge", "anony" and "tstamp"; other fields \
            are ignored. The models need not be checkpoints of the workspace. A bad line stops the import with \
            its FILE:LINE and nothing is imported; otherwise every battle is written in one transaction. Example:
              tally arena import clean_battle_20240814_public.jsonl
            """
    )

    @Argument(help: "The JSON-lines file.")
    var file: String

    @OptionGroup var workspaceOption: WorkspaceOption

    func run() throws {
        try reportingErrors {
            // The file first: a missing or bad log leaves the workspace untouched, not even opened.
            let battles = try BattleLog.read(URL(fileURLWithPath: file))
            let (_, database) = try workspaceOption.open()
            defer { database.close() }
            let source = URL(fileURLWithPath: file).lastPathComponent
            try database.recordArenaBattles(battles.map { StoredBattles.imported($0, source: source) })
            let models = Set(battles.flatMap { [$0.modelA, $0.modelB] })
            print(
                "arena import: \(battles.count) battles between \(models.count) models from "
                    + TerminalSanitizer.sanitize(file))
        }
    }
}
