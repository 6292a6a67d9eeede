import ArgumentParser

/// `tally bench`: benchmarks that print their figures as JSON lines.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Tally's speed; each benchmark prints JSON lines.",
        subcommands: [
            BenchEngine.self, BenchImport.self, BenchTUI.self, BenchTrain.self, BenchRL.self, BenchArena.self,
        ]
    )
}
