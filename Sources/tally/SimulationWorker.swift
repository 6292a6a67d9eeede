import Foundation
import TallyStore
import TallyWorld

/// One simulated labeler: takes tasks from the queues through the store API until its quota is met or
/// the queues are empty, and reports each submission on standard output, one line each:
///
///     label <kind> <task id> <tiers>     tiers as response ids, "," within a tier, ";" between tiers
///     skip <kind> <task id>              not a task-world prompt
///     done <submitted>
struct SimulationWorker {
    let database: TallyDatabase
    let index: Int
    let quota: Int
    let seed: UInt64
    let noise: LabelerNoise
    /// The kinds of task to take (all when empty).
    var onlyKinds: [TaskKind] = []

    /// The labeler's name in the workspace.
    static func labelerName(_ index: Int) -> String { "sim-\(index)" }

    func run() throws {
        let labeler = try database.labeler(named: Self.labelerName(index), role: .labeler)
        // Labels record the guidelines they were made under, as the TUI's do.
        let instructionVersionID = try database.currentInstructionVersion()?.id
        var simulated = SimulatedLabeler(seed: StableHash.combine(seed, UInt64(index)), noise: noise)
        let world = World()
        let kinds: [TaskKind] = onlyKinds.isEmpty ? [.ranking, .demonstration, .comparison] : onlyKinds
        var exhausted = Set<TaskKind>()
        var submitted = 0
        var turn = index  // labelers start on different kinds
        while submitted < quota, exhausted.count < kinds.count {
            let kind = kinds[turn % kinds.count]
            turn += 1
            if exhausted.contains(kind) { continue }
            let started = Date()
            switch kind {
            case .ranking:
                guard
                    case let (task, prompt)? = try take(
                        kind, { try database.nextRankingTask(for: labeler) }, world: world, exhausted: &exhausted)
                else { continue }
                let ranking = simulated.rank(prompt, responses: task.responses.map(\.text))
                let tiers = ranking.tiers.map { $0.map { task.responses[$0].id } }
                try database.submitRanking(
                    assignmentID: task.assignmentID, tiers: tiers, noneAcceptable: ranking.noneAcceptable,
                    flags: Self.flags(ranking, responseIDs: task.responses.map(\.id)),
                    secondsSpent: Date().timeIntervalSince(started), instructionVersionID: instructionVersionID)
                Self.emit("label ranking \(task.taskID) \(Self.encode(tiers))")
            case .demonstration:
                guard
                    case let (task, prompt)? = try take(
                        kind, { try database.nextDemonstrationTask(for: labeler) }, world: world,
                        exhausted: &exhausted)
                else { continue }
                try database.submitDemonstration(
                    assignmentID: task.assignmentID, text: simulated.demonstrate(prompt).text,
                    flags: SimulatedLabeler.promptFlags(prompt).map { LabelFlag(kind: Self.kind(of: $0)) },
                    secondsSpent: Date().timeIntervalSince(started), instructionVersionID: instructionVersionID)
                Self.emit("label demonstration \(task.taskID) -")
            case .comparison:
                guard
                    case let (task, prompt)? = try take(
                        kind, { try database.nextComparisonTask(for: labeler) }, world: world, exhausted: &exhausted)
                else { continue }
                let ids = [task.responseA.id, task.responseB.id]
                let ranking = simulated.rank(prompt, responses: [task.responseA.text, task.responseB.text])
                let outcome: ComparisonOutcome
                if ranking.tiers.count == 1 {
                    outcome = ranking.noneAcceptable ? .bothBad : .tie
                } else {
                    outcome = ranking.tiers.first == [0] ? .a : .b
                }
                try database.submitComparison(
                    assignmentID: task.assignmentID, outcome: outcome, flags: Self.flags(ranking, responseIDs: ids),
                    secondsSpent: Date().timeIntervalSince(started), instructionVersionID: instructionVersionID)
                Self.emit("label comparison \(task.taskID) \(Self.encode(ranking.tiers.map { $0.map { ids[$0] } }))")
            }
            submitted += 1
        }
        Self.emit("done \(submitted)")
    }

    /// The task `next` hands out, with its world prompt. Nil when there is none (`kind` is then marked
    /// exhausted) or when its prompt is not a task-world prompt (the task is then skipped and reported).
    private func take<Task: QueuedTask>(
        _ kind: TaskKind, _ next: () throws -> Task?, world: World, exhausted: inout Set<TaskKind>
    ) throws -> (Task, WorldPrompt)? {
        guard let task = try next() else {
            exhausted.insert(kind)
            return nil
        }
        guard let prompt = Self.worldPrompt(task.prompt, in: world) else {
            try database.skipTask(assignmentID: task.assignmentID)
            Self.emit("skip \(kind.rawValue) \(task.taskID)")
            return nil
        }
        return (task, prompt)
    }

    /// The world prompt a stored prompt spells: its text, or a conversation of one user message.
    static func worldPrompt(_ prompt: Prompt, in world: World) -> WorldPrompt? {
        switch prompt.content {
        case .text(let text):
            return world.recognize(text)
        case .messages(let messages):
            guard messages.count == 1, let only = messages.first, only.role == "user" else { return nil }
            return world.recognize(only.content)
        }
    }

    /// The ranking's flags as store flags: on the prompt, and on the responses they concern.
    static func flags(_ ranking: SimulatedRanking, responseIDs: [Int64]) -> [LabelFlag] {
        let onPrompt = ranking.promptFlags.map { LabelFlag(kind: kind(of: $0)) }
        let onResponses = ranking.flags.sorted { $0.key < $1.key }.flatMap { index, flags in
            flags.map { LabelFlag(kind: kind(of: $0), responseID: responseIDs[index]) }
        }
        return onPrompt + onResponses
    }

    /// The store's flag kind for a simulated labeler's flag.
    static func kind(of flag: SimulatedFlag) -> FlagKind {
        switch flag {
        case .harmful: return .harmful
        case .jailbreak: return .jailbreak
        case .pii: return .pii
        case .spam: return .spam
        case .factualError: return .factualError
        }
    }

    /// Tiers of response ids as text: "4,7;5;6".
    static func encode(_ tiers: [[Int64]]) -> String {
        tiers.map { $0.map(String.init).joined(separator: ",") }.joined(separator: ";")
    }

    /// Tiers of response ids from ``encode(_:)``'s text; nil if malformed.
    static func decode(_ text: String) -> [[Int64]]? {
        var tiers: [[Int64]] = []
        for tier in text.split(separator: ";") {
            let ids = tier.split(separator: ",").compactMap { Int64($0) }
            guard !ids.isEmpty else { return nil }
            tiers.append(ids)
        }
        return tiers.isEmpty ? nil : tiers
    }

    /// Writes one line to standard output at once (unbuffered, so the coordinator sees it now).
    static func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

/// What ``SimulationWorker`` needs of a task of any kind to skip it or find its world prompt.
protocol QueuedTask {
    var assignmentID: Int64 { get }
    var taskID: Int64 { get }
    var prompt: Prompt { get }
}

extension RankingTask: QueuedTask {}
extension DemonstrationTask: QueuedTask {}
extension ComparisonTask: QueuedTask {}
