import ArgumentParser
import Foundation
import TallyStore
import TallyWorld

/// `tally simulate`: simulated labelers working the real queues, concurrently, as a load test.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run simulated labelers on the workspace's queues, each in its own process.",
        discussion: """
            Each simulated labeler (sim-1, sim-2, …) is a separate `tally` process with its own database \
            connection. It takes tasks from the real queues through the same store API as the TUI, ranks \
            responses with the task world's oracle plus calibrated noise (two labelers agree on about 70% \
            of pairs), writes demonstrations in varied phrasings with a real demonstrator's flaws (padding, \
            wrong answers, running on, now and then helping with a harmful request, rudeness: a mean oracle \
            score near 0.8, so ranking has something to add to SFT), and submits each label as one \
            transaction. Prompts that are not task-world prompts are skipped. Only an admin of the workspace \
            can run simulated labelers; their labels record the admin's OS account.

            When the queues hold fewer open tasks than --items, world train prompts are added first, each \
            with a demonstration task and a ranking task of 4–9 candidate responses, queued for --overlap \
            labelers so that agreement can be measured (turn this off with --no-fill). Example:
              tally simulate --labelers 8 --items 2000
            """
    )

    @OptionGroup var workspaceOption: WorkspaceOption

    @Option(help: "How many simulated labelers (processes) work at once.")
    var labelers: Int = 8

    @Option(help: "How many labels to submit in total, shared among the labelers.")
    var items: Int = 200

    @Option(help: "The seed that fixes the labelers' choices and any added prompts.")
    var seed: UInt64 = 1

    @Option(help: "Standard deviation of the labelers' noise on oracle scores.")
    var noise: Double = LabelerNoise.calibrated.scoreNoise

    @Option(help: "Perceived scores closer than this are ranked as ties.")
    var tieMargin: Double = LabelerNoise.calibrated.tieMargin

    @Flag(inversion: .prefixedNo, help: "Add world prompts and candidates when the queues are short of --items.")
    var fill = true

    @Option(help: "How many different labelers each added item goes to.")
    var overlap: Int = 2

    @Option(help: "Take only this kind of task: demonstration, ranking or comparison (repeatable; default: all).")
    var only: [String] = []

    @Option(help: .hidden)
    var worker: Int?

    @Option(help: .hidden)
    var quota: Int?

    func validate() throws {
        guard labelers >= 1, labelers <= 64 else { throw ValidationError("--labelers must be between 1 and 64") }
        guard items >= 1 else { throw ValidationError("--items must be at least 1") }
        guard overlap >= 1 else { throw ValidationError("--overlap must be at least 1") }
        guard noise >= 0, tieMargin >= 0 else { throw ValidationError("--noise and --tie-margin must not be negative") }
        for kind in only where TaskKind(rawValue: kind) == nil {
            throw ValidationError("--only must be demonstration, ranking or comparison, not \(kind)")
        }
    }

    func run() throws {
        let noise = LabelerNoise(scoreNoise: noise, tieMargin: tieMargin)
        try reportingErrors {
            let (workspace, database) = try workspaceOption.open()
            // Simulated labelers label under names that are not the account's own, as `label --as` does.
            try database.requireAdmin(to: "run simulated labelers")
            if let worker {
                var labeler = SimulationWorker(
                    database: database, index: worker, quota: quota ?? items, seed: seed, noise: noise)
                labeler.onlyKinds = only.compactMap(TaskKind.init(rawValue:))
                try labeler.run()
                return
            }
            var coordinator = SimulationCoordinator(
                workspace: workspace, database: database, labelers: labelers, items: items, seed: seed,
                noise: noise, overlap: overlap)
            coordinator.kinds = only.compactMap(TaskKind.init(rawValue:))
            if fill { try coordinator.fillQueues() }
            let summary = try coordinator.run()
            if summary.failedWorkers > 0 { throw ExitCode.failure }
        }
    }
}
