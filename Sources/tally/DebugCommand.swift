import ArgumentParser
import Foundation
import TallyEngine
import TallyIO
import TallyStore

/// Hidden commands for tests and troubleshooting.
struct Debug: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug",
        abstract: "Commands for tests and troubleshooting.",
        shouldDisplay: false,
        subcommands: [DebugSubmitLabels.self, DebugBLAS.self])
}

/// `tally debug submit-labels`: a scripted labeler that takes tasks from the queue and submits them
/// through the same store calls as the TUI, each submission its own transaction.
struct DebugSubmitLabels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit-labels",
        abstract: "Take COUNT tasks from the queue as LABELER and submit a deterministic label for each.")

    @Option(name: .long, help: "The labeler's name (created if new; another than your own needs an admin).")
    var labeler: String

    @Option(name: .long, help: "How many labels to submit.")
    var count: Int = 1

    @Option(name: .long, help: "demonstration, ranking or comparison.")
    var kind: String = "ranking"

    @OptionGroup var workspace: WorkspaceOption

    func run() throws {
        try reportingErrors {
            guard let kind = TaskKind(rawValue: kind) else {
                throw ValidationError("--kind must be demonstration, ranking or comparison")
            }
            let (_, database) = try workspace.open()
            defer { database.close() }
            let person = try database.labelerToWorkAs(labeler)
            for done in 0..<count {
                guard try submitOne(kind, as: person, in: database) else {
                    throw ValidationError("the \(kind.rawValue) queue ran dry after \(done) labels")
                }
            }
            print("\(TerminalSanitizer.sanitize(person.name)) submitted \(count) \(kind.rawValue) labels")
        }
    }

    /// Submits one label; false when the queue is empty.
    private func submitOne(_ kind: TaskKind, as person: Labeler, in database: TallyDatabase) throws -> Bool {
        switch kind {
        case .demonstration:
            guard let task = try database.nextDemonstrationTask(for: person) else { return false }
            try database.saveDemonstrationDraft(assignmentID: task.assignmentID, text: "draft")
            try database.submitDemonstration(
                assignmentID: task.assignmentID, text: "Answer by \(person.name) to task \(task.taskID).",
                secondsSpent: 1)
        case .ranking:
            guard let task = try database.nextRankingTask(for: person) else { return false }
            var ids = task.responses.map(\.id)
            if (task.taskID + person.id) % 2 == 1 { ids.reverse() }
            try database.submitRanking(assignmentID: task.assignmentID, tiers: ids.map { [$0] }, secondsSpent: 1)
        case .comparison:
            guard let task = try database.nextComparisonTask(for: person) else { return false }
            let outcome: ComparisonOutcome = (task.taskID + person.id) % 2 == 0 ? .a : .b
            try database.submitComparison(assignmentID: task.assignmentID, outcome: outcome, secondsSpent: 1)
        }
        return true
    }
}

/// `tally debug blas`: which OpenBLAS kernels this process runs (after Tally's own choice) and why.
struct DebugBLAS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blas",
        abstract: "Print the OpenBLAS kernel family and the threads the engine runs products on.")

    func run() {
        let environment = ProcessInfo.processInfo.environment
        print("core \(OpenBLASChoice.coreName)")
        print("threads \(ComputeThreads.count) (the engine's own, one OpenBLAS thread each)")
        print("\(OpenBLASChoice.variable)=\(environment[OpenBLASChoice.variable] ?? "(unset)")")
        print("\(OpenBLASChoice.overrideVariable)=\(environment[OpenBLASChoice.overrideVariable] ?? "(unset)")")
    }
}
