import Foundation
import TallyStore

/// The labeling service on a real workspace: TallyStore's queues, submissions and arena votes (one transaction
/// each), autosaved drafts, undo and instruction versions, for one labeler.
///
/// ```swift
/// let workspace = try Workspace.locate(explicit: nil, environment: env, currentDirectory: cwd)
/// let service = try StoreLabelingService(workspace: workspace, database: try workspace.openDatabase(),
///                                        labelerName: "ada")
/// ```
public final class StoreLabelingService: LabelingService {
    public let workspace: Workspace
    public let database: TallyDatabase
    public let labeler: Labeler
    /// Whether this labeler did not exist before (then the instructions open first).
    public let isNewLabeler: Bool
    private var seenVersions: Set<Int64> = []
    /// This labeler's submitted labels, kept up to date by submit and undo; guarded by `lock` because
    /// `queueCounts()` runs on a background thread.
    private var doneCounts: (demonstrations: Int, rankings: Int, comparisons: Int)?
    private let lock = NSLock()

    /// Opens the session of labeler `labelerName` — by default the operating-system account's own labeler;
    /// another one only for an admin (see ``TallyDatabase/labelerToWorkAs(_:)``) — and records the guidelines in
    /// the workspace's `instructions/` folder as the current version when they changed. The labeler's stored role
    /// decides whether the Review screen opens.
    public init(workspace: Workspace, database: TallyDatabase, labelerName: String? = nil) throws {
        self.workspace = workspace
        self.database = database
        let known = Set(try database.labelers().map(\.name))
        labeler = try database.labelerToWorkAs(labelerName)
        isNewLabeler = !known.contains(labeler.name)
        try database.recordInstructions(fromFolder: workspace.instructionsURL)
    }

    public var labelerName: String { labeler.name }
    public var isAdmin: Bool { labeler.role == .admin }

    public func instructions() throws -> InstructionSet {
        guard let version = try database.currentInstructionVersion() else {
            return InstructionSet(version: 0, markdown: "")
        }
        return InstructionSet(version: version.id, markdown: version.text)
    }

    public func hasSeenInstructions(version: Int64) throws -> Bool {
        !isNewLabeler || seenVersions.contains(version)
    }

    public func markInstructionsSeen(version: Int64) throws {
        seenVersions.insert(version)
    }

    public func queueCounts() throws -> QueueSummary {
        let waiting = try database.queueCounts(for: labeler)
        let done = try labelsDone()
        return QueueSummary(
            demonstrationsWaiting: waiting.demonstrations, rankingsWaiting: waiting.rankings,
            comparisonsWaiting: waiting.comparisons, arenaWaiting: try database.arenaBallotCount(for: labeler),
            demonstrationsDone: done.demonstrations, rankingsDone: done.rankings, comparisonsDone: done.comparisons,
            arenaDone: try database.arenaVoteCount(for: labeler))
    }

    /// This labeler's submitted labels: read once, then kept up to date by submit and undo.
    private func labelsDone() throws -> (demonstrations: Int, rankings: Int, comparisons: Int) {
        lock.lock()
        if let doneCounts {
            lock.unlock()
            return doneCounts
        }
        lock.unlock()
        let progress = try database.progress(for: labeler)
        lock.lock()
        defer { lock.unlock() }
        if doneCounts == nil {
            doneCounts = (progress?.demonstrations ?? 0, progress?.rankings ?? 0, progress?.comparisons ?? 0)
        }
        return doneCounts ?? (0, 0, 0)
    }

    private func adjustDone(_ change: (inout (demonstrations: Int, rankings: Int, comparisons: Int)) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        if var counts = doneCounts {
            change(&counts)
            doneCounts = counts
        }
    }

    /// Claims the next demonstration and reads (without claiming) the `limit - 1` after it, so that drafts
    /// for them are written while the labeler works on the first.
    public func upcomingDemonstrations(limit: Int) throws -> [DemonstrationItem] {
        guard limit > 0, let task = try database.nextDemonstrationTask(for: labeler) else { return [] }
        let first = DemonstrationItem(
            assignmentID: task.assignmentID, promptID: task.prompt.id, conversation: Self.conversation(task.prompt),
            storedDrafts: task.drafts.map { DraftOffer(draftID: $0.id, text: $0.text) },
            savedDraft: task.savedDraftText)
        guard limit > 1 else { return [first] }
        let later = try database.upcomingDemonstrationTasks(for: labeler, limit: limit)
            .filter { $0.taskID != task.taskID }
            .prefix(limit - 1)
            .map { next in
                DemonstrationItem(
                    assignmentID: next.assignmentID ?? DemonstrationItem.notClaimed, promptID: next.prompt.id,
                    conversation: Self.conversation(next.prompt),
                    storedDrafts: next.drafts.map { DraftOffer(draftID: $0.id, text: $0.text) })
            }
        return [first] + later
    }

    public func upcomingRankings(limit: Int) throws -> [RankingItem] {
        guard limit > 0, let task = try database.nextRankingTask(for: labeler) else { return [] }
        return [
            RankingItem(
                assignmentID: task.assignmentID, promptID: task.prompt.id,
                conversation: Self.conversation(task.prompt), responses: task.responses.map(Self.shown))
        ]
    }

    public func nextComparison() throws -> ComparisonItem? {
        guard let task = try database.nextComparisonTask(for: labeler) else { return nil }
        return ComparisonItem(
            assignmentID: task.assignmentID, promptID: task.prompt.id,
            conversation: Self.conversation(task.prompt), first: Self.shown(task.responseA),
            second: Self.shown(task.responseB))
    }

    public func submit(_ demonstration: DemonstrationSubmission) throws {
        try database.submitDemonstration(
            assignmentID: demonstration.assignmentID, text: demonstration.text,
            startedFromDrafts: demonstration.sourceDraftIDs,
            editDistances: demonstration.editDistances.filter { demonstration.sourceDraftIDs.contains($0.key) },
            secondsSpent: demonstration.secondsSpent,
            instructionVersionID: demonstration.instructionVersion > 0 ? demonstration.instructionVersion : nil)
        adjustDone { $0.demonstrations += 1 }
    }

    public func submit(_ ranking: RankingSubmission) throws {
        try database.submitRanking(
            assignmentID: ranking.assignmentID, tiers: ranking.tiers, noneAcceptable: ranking.allUnacceptable,
            flags: ranking.flags.map(Self.storeFlag), secondsSpent: ranking.secondsSpent,
            instructionVersionID: ranking.instructionVersion > 0 ? ranking.instructionVersion : nil)
        adjustDone { $0.rankings += 1 }
    }

    public func submit(_ comparison: ComparisonSubmission) throws {
        let outcome: ComparisonOutcome
        switch comparison.choice {
        case .first: outcome = .a
        case .second: outcome = .b
        case .tie: outcome = .tie
        case .bothBad: outcome = .bothBad
        }
        // Strength 1…3 (slightly, clearly, much better) on the store's 0…1 scale.
        let strength = comparison.strength > 0 ? Double(min(3, comparison.strength)) / 3 : nil
        try database.submitComparison(
            assignmentID: comparison.assignmentID, outcome: outcome, strength: strength,
            secondsSpent: comparison.secondsSpent,
            instructionVersionID: comparison.instructionVersion > 0 ? comparison.instructionVersion : nil)
        adjustDone { $0.comparisons += 1 }
    }

    public func nextArenaBattle() throws -> ArenaItem? {
        guard let ballot = try database.nextArenaBallot(for: labeler) else { return nil }
        return ArenaItem(
            battleID: ballot.battleID, promptID: ballot.prompt.id, conversation: Self.conversation(ballot.prompt),
            left: ballot.leftText, right: ballot.rightText, skippedBefore: ballot.skippedBefore)
    }

    public func vote(_ vote: ArenaVoteSubmission) throws -> ArenaReveal {
        let side: ArenaVote
        switch vote.choice {
        case .first: side = .left
        case .second: side = .right
        case .tie: side = .tie
        case .bothBad: side = .bothBad
        }
        let result = try database.voteArena(
            battleID: vote.battleID, labeler: labeler, vote: side, secondsSpent: vote.secondsSpent,
            instructionVersionID: vote.instructionVersion > 0 ? vote.instructionVersion : nil)
        return ArenaReveal(leftModel: result.leftModel, rightModel: result.rightModel)
    }

    public func skipArenaBattle(battleID: Int64) throws {
        try database.skipArenaBattle(battleID: battleID, labeler: labeler)
    }

    public func saveDemonstrationDraft(assignmentID: Int64, text: String) throws {
        try database.saveDemonstrationDraft(assignmentID: assignmentID, text: text)
    }

    public func recordDraft(promptID: Int64, drafter: DraftAuthor, text: String) throws -> Int64 {
        try database.insertDraft(promptID: promptID, author: Self.storeAuthor(drafter), text: text)
    }

    public func recordCritique(promptID: Int64, responseID: Int64, drafter: DraftAuthor, text: String) throws {
        _ = try database.insertCritique(responseID: responseID, author: Self.storeAuthor(drafter), text: text)
    }

    public func undoLastSubmission() throws -> String? {
        guard let undone = try database.undoLastSubmission(for: labeler) else { return nil }
        switch undone.kind {
        case .demonstration: adjustDone { $0.demonstrations -= 1 }
        case .ranking: adjustDone { $0.rankings -= 1 }
        case .comparison: adjustDone { $0.comparisons -= 1 }
        }
        return "\(undone.kind.rawValue) (task #\(undone.taskID)) is back in your queue"
    }

    public func reviewSummary() throws -> ReviewSummary {
        let status = try database.status()
        let rows = status.labelers.map {
            ReviewSummary.LabelerRow(
                name: $0.name, demonstrations: $0.demonstrations, rankings: $0.rankings,
                comparisons: $0.comparisons)
        }
        let report = try database.agreement()
        var agreement: [(String, String)] = []
        if let value = report.rankingPairAgreement {
            agreement.append(
                (
                    "ranking pair agreement",
                    String(format: "%.1f %% over %d response pairs", value * 100, report.rankingResponsePairs)
                ))
        }
        if let alpha = report.rankingAlpha {
            agreement.append(
                (
                    "Krippendorff's α (rankings)",
                    String(format: "%.3f over %d items", alpha, report.rankingUnits)
                ))
        }
        if let value = report.comparisonAgreement {
            agreement.append(
                (
                    "comparison agreement",
                    String(format: "%.1f %% over %d label pairs", value * 100, report.comparisonLabelPairs)
                ))
        }
        agreement.append(("flags set", String(status.flags)))
        let flagged = try database.flaggedItems(limit: Self.reviewFlagLimit).map { item in
            ReviewSummary.FlaggedItem(
                promptID: item.prompt.id, kind: item.kind.label, labeler: item.labelerName ?? "(import)",
                note: item.note, promptPreview: item.prompt.content.asMessages.map(\.content).joined(separator: " / "),
                createdAt: item.createdAt)
        }
        return ReviewSummary(labelers: rows, agreement: agreement, flagged: flagged)
    }

    /// How many of the newest flags the Review screen lists.
    static let reviewFlagLimit = 500

    // MARK: Mapping

    static func conversation(_ prompt: Prompt) -> [ChatTurn] {
        prompt.content.asMessages.map { ChatTurn(role: ChatTurn.Role(rawValue: $0.role) ?? .user, text: $0.content) }
    }

    static func shown(_ response: CandidateResponse) -> ShownResponse {
        ShownResponse(
            responseID: response.id, text: response.text,
            critique: response.critiques.isEmpty ? nil : response.critiques.joined(separator: "\n\n"))
    }

    static func storeFlag(_ flag: RankingFlag) -> LabelFlag {
        LabelFlag(kind: flag.kind, responseID: flag.responseID, note: flag.note)
    }

    static func storeAuthor(_ author: DraftAuthor) -> ModelAuthor {
        switch author {
        case .checkpoint(let id): return .checkpoint(id)
        case .endpoint(let model): return .endpoint(model: model)
        }
    }
}
