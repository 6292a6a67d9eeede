import ArgumentParser

/// `tally world ...`: the built-in task world (prompts, corpus, oracle, simulated labelers).
struct WorldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "world",
        abstract: "The built-in task world: prompts with checkable answers, an oracle judge, a pretraining corpus.",
        discussion: """
            The world's prompt families (arithmetic, counting, string edits, facts, unit conversion, \
            polite rewrites, short lists, harmful requests and benign look-alikes) have answers a \
            program can check. Prompts fall in fixed train/eval/test splits that share no word 8-gram.
            """,
        subcommands: [
            WorldPromptsCommand.self, WorldCorpusCommand.self, WorldResponsesCommand.self, WorldScoreCommand.self,
            WorldEvaluateCommand.self, WorldAgreementCommand.self, WorldFamiliesCommand.self,
        ]
    )
}
