import ArgumentParser

/// `tally arena`: battles between models, their ratings, and the judges' agreement.
struct ArenaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arena",
        abstract: "Battle checkpoints, rate them as Chatbot Arena does, and import or export battle logs.",
        discussion: """
            Battles are stored in the workspace: those `tally arena battle` fights between checkpoints \
            (judged by the oracle or a reward model) and those `tally arena import` reads from Chatbot Arena \
            logs (between models by name). `tally arena leaderboard` rates them all: Bradley–Terry with \
            bootstrap intervals, online Elo, win rates. Example:
              tally arena battle --models base,sft --prompts eval --per-pair 20 --judge oracle
              tally arena leaderboard
            """,
        subcommands: [
            ArenaBattleCommand.self, ArenaLeaderboardCommand.self, ArenaImportCommand.self, ArenaExportCommand.self,
            ArenaJudgesCommand.self,
        ]
    )
}
