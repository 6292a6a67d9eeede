import ArgumentParser
import Foundation
import TallyArena
import TallyIO
import TallyStore

/// `tally arena export FILE`: every stored battle as a Chatbot Arena JSON-lines log.
struct ArenaExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract:
            "Write every stored battle as Chatbot Arena JSON lines (model_a, model_b, winner, judge, anony, tstamp).",
        discussion: """
            Battles come in the order they were stored; "judge" is the judge's name (oracle, rm:CHECKPOINT, \
            human:LABELER, or an imported log's judge); battles still waiting for a person's vote are left \
            out. `tally arena import` reads the file back. Example:
              tally arena export battles.jsonl
            """
    )

    @Argument(help: "The file to write (replaced if it exists).")
    var file: String

    @Option(help: "Only the battles of one kind of judge: human, rm, oracle or import.")
    var judge: String?

    @OptionGroup var workspaceOption: WorkspaceOption

    func validate() throws {
        if let judge, ArenaJudgeKind(rawValue: judge) == nil {
            throw ValidationError("--judge must be human, rm, oracle or import, not \(judge)")
        }
    }

    func run() throws {
        try reportingErrors {
            let (_, database) = try workspaceOption.open()
            defer { database.close() }
            let battles = try database.arenaBattles(judgeKind: judge.flatMap(ArenaJudgeKind.init(rawValue:)))
                .map(StoredBattles.battle)
            try BattleLog.write(battles, to: URL(fileURLWithPath: file))
            print("arena export: \(battles.count) battles to \(TerminalSanitizer.sanitize(file))")
        }
    }
}
