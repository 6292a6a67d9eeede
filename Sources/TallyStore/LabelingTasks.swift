import Foundation
import GRDB

/// A model-written starting point for a demonstration. Which model wrote it is not shown.
public struct DraftSuggestion: Hashable, Sendable {
    public var id: Int64
    public var text: String

    public init(id: Int64, text: String) {
        self.id = id
        self.text = text
    }
}

/// A response to rank or compare, with model critiques of it. Its origin and checkpoint are hidden.
public struct CandidateResponse: Hashable, Sendable {
    public var id: Int64
    public var text: String
    public var critiques: [String]

    public init(id: Int64, text: String, critiques: [String] = []) {
        self.id = id
        self.text = text
        self.critiques = critiques
    }
}

/// Write the answer you would want for this prompt.
public struct DemonstrationTask: Hashable, Sendable {
    /// Pass to `submitDemonstration(assignmentID:…)`, `saveDemonstrationDraft` or `skipTask`.
    public var assignmentID: Int64
    public var taskID: Int64
    public var prompt: Prompt
    /// Model drafts the labeler may start from.
    public var drafts: [DraftSuggestion]
    /// The labeler's own autosaved text, when they left this task before submitting.
    public var savedDraftText: String?

    public init(
        assignmentID: Int64, taskID: Int64, prompt: Prompt, drafts: [DraftSuggestion] = [],
        savedDraftText: String? = nil
    ) {
        self.assignmentID = assignmentID
        self.taskID = taskID
        self.prompt = prompt
        self.drafts = drafts
        self.savedDraftText = savedDraftText
    }
}

/// A demonstration the labeler will get soon, read without claiming it (so drafts can be written ahead).
public struct UpcomingDemonstrationTask: Hashable, Sendable {
    public var taskID: Int64
    /// The labeler's assignment when they already hold the task (unfinished); nil for a task not yet claimed.
    public var assignmentID: Int64?
    public var prompt: Prompt
    /// Model drafts already stored for the prompt.
    public var drafts: [DraftSuggestion]

    public init(taskID: Int64, assignmentID: Int64?, prompt: Prompt, drafts: [DraftSuggestion]) {
        self.taskID = taskID
        self.assignmentID = assignmentID
        self.prompt = prompt
        self.drafts = drafts
    }
}

/// Order these 2–9 responses from best to worst, ties allowed.
public struct RankingTask: Hashable, Sendable {
    public var assignmentID: Int64
    public var taskID: Int64
    public var prompt: Prompt
    /// In the order to display them: shuffled per assignment (the same order every time this labeler
    /// opens the task, a different one for the next labeler) so that position does not bias rankings.
    public var responses: [CandidateResponse]

    public init(assignmentID: Int64, taskID: Int64, prompt: Prompt, responses: [CandidateResponse]) {
        self.assignmentID = assignmentID
        self.taskID = taskID
        self.prompt = prompt
        self.responses = responses
    }
}

/// Which of two responses is better?
public struct ComparisonTask: Hashable, Sendable {
    public var assignmentID: Int64
    public var taskID: Int64
    public var prompt: Prompt
    public var responseA: CandidateResponse
    public var responseB: CandidateResponse

    public init(
        assignmentID: Int64, taskID: Int64, prompt: Prompt, responseA: CandidateResponse, responseB: CandidateResponse
    ) {
        self.assignmentID = assignmentID
        self.taskID = taskID
        self.prompt = prompt
        self.responseA = responseA
        self.responseB = responseB
    }
}

/// How many tasks of each kind a labeler can still do.
public struct QueueCounts: Hashable, Codable, Sendable {
    public var demonstrations: Int
    public var rankings: Int
    public var comparisons: Int

    public init(demonstrations: Int, rankings: Int, comparisons: Int) {
        self.demonstrations = demonstrations
        self.rankings = rankings
        self.comparisons = comparisons
    }
}

extension TallyDatabase {
    /// The labeler's next demonstration: an unfinished one of theirs first, else a newly claimed prompt.
    /// Nil when there is nothing left for them. Other labelers' work is never included.
    public func nextDemonstrationTask(for labeler: Labeler) throws -> DemonstrationTask? {
        try write { db in
            guard let claim = try Queue.claim(db, kind: .demonstration, labelerID: labeler.id) else { return nil }
            let promptID = try Int64.fetchOne(
                db, sql: "SELECT promptId FROM task WHERE id = ?", arguments: [claim.taskID])
            let prompt = try PromptStore.fetch(db, id: promptID ?? -1)
            let drafts = try Self.modelDrafts(db, promptID: prompt.id)
            let saved = try String.fetchOne(
                db, sql: "SELECT draftText FROM assignment WHERE id = ?", arguments: [claim.assignmentID])
            return DemonstrationTask(
                assignmentID: claim.assignmentID, taskID: claim.taskID, prompt: prompt, drafts: drafts,
                savedDraftText: saved)
        }
    }

    /// The demonstrations ``nextDemonstrationTask(for:)`` would give `labeler` next, in order, without
    /// claiming any: their unfinished ones oldest first, then open tasks (never one already theirs, never
    /// one whose overlap target is reached). Only model drafts are included, never other labelers' work.
    /// Another labeler may claim an open task before this one gets to it.
    public func upcomingDemonstrationTasks(for labeler: Labeler, limit: Int) throws -> [UpcomingDemonstrationTask] {
        guard limit > 0 else { return [] }
        return try read { db in
            let unfinished = try Queue.unfinished(db, kind: .demonstration, labelerID: labeler.id, limit: limit)
                .map { (taskID: $0.taskID, assignmentID: $0.assignmentID as Int64?, promptID: $0.promptID) }
            let open = try Row.fetchAll(
                db, sql: "SELECT t.id, t.promptId " + Queue.openTasksSQL + " ORDER BY t.id LIMIT :limit",
                arguments: [
                    "kind": TaskKind.demonstration.rawValue, "labeler": labeler.id, "limit": limit - unfinished.count,
                ]
            ).map { (taskID: $0["id"] as Int64, assignmentID: nil as Int64?, promptID: $0["promptId"] as Int64) }
            return try (unfinished + open).map { entry in
                UpcomingDemonstrationTask(
                    taskID: entry.taskID, assignmentID: entry.assignmentID,
                    prompt: try PromptStore.fetch(db, id: entry.promptID),
                    drafts: try Self.modelDrafts(db, promptID: entry.promptID))
            }
        }
    }

    /// The model drafts stored for a prompt, oldest first.
    private static func modelDrafts(_ db: Database, promptID: Int64) throws -> [DraftSuggestion] {
        try Row.fetchAll(db, sql: "SELECT id, text FROM draft WHERE promptId = ? ORDER BY id", arguments: [promptID])
            .map { DraftSuggestion(id: $0["id"], text: $0["text"]) }
    }

    /// The labeler's next ranking: a prompt with 2–9 responses and their critiques.
    public func nextRankingTask(for labeler: Labeler) throws -> RankingTask? {
        try write { db in
            guard let claim = try Queue.claim(db, kind: .ranking, labelerID: labeler.id) else { return nil }
            let (prompt, responses) = try Self.taskContent(db, taskID: claim.taskID)
            return RankingTask(
                assignmentID: claim.assignmentID, taskID: claim.taskID, prompt: prompt,
                responses: Self.displayOrder(responses, assignmentID: claim.assignmentID))
        }
    }

    /// The labeler's next pairwise comparison.
    public func nextComparisonTask(for labeler: Labeler) throws -> ComparisonTask? {
        try write { db in
            guard let claim = try Queue.claim(db, kind: .comparison, labelerID: labeler.id) else { return nil }
            let (prompt, responses) = try Self.taskContent(db, taskID: claim.taskID)
            guard responses.count == 2 else {
                throw StoreError.invalid("comparison task \(claim.taskID) has \(responses.count) responses, not 2")
            }
            return ComparisonTask(
                assignmentID: claim.assignmentID, taskID: claim.taskID, prompt: prompt, responseA: responses[0],
                responseB: responses[1])
        }
    }

    /// How many tasks of each kind `labeler` can still do.
    public func queueCounts(for labeler: Labeler) throws -> QueueCounts {
        try read { db in
            QueueCounts(
                demonstrations: try Queue.count(db, kind: .demonstration, labelerID: labeler.id),
                rankings: try Queue.count(db, kind: .ranking, labelerID: labeler.id),
                comparisons: try Queue.count(db, kind: .comparison, labelerID: labeler.id))
        }
    }

    /// Gives a task back: it is not offered to this labeler again, and its slot goes to someone else.
    public func skipTask(assignmentID: Int64) throws {
        try write { db in
            let status = try String.fetchOne(
                db, sql: "SELECT status FROM assignment WHERE id = ?", arguments: [assignmentID])
            guard let status else { throw StoreError.notFound("assignment \(assignmentID)") }
            guard status == "pending" || status == "draft" else {
                throw StoreError.invalid("assignment \(assignmentID) is already \(status); it cannot be skipped")
            }
            try db.execute(
                sql: "UPDATE assignment SET status = 'skipped', updatedAt = ? WHERE id = ?",
                arguments: [Date.nowTimestamp, assignmentID])
        }
    }

    /// `responses` in an order fixed by `assignmentID` (a seeded Fisher–Yates shuffle).
    static func displayOrder(_ responses: [CandidateResponse], assignmentID: Int64) -> [CandidateResponse] {
        var shuffled = responses
        var state = UInt64(bitPattern: assignmentID) &* 0x9E37_79B9_7F4A_7C15
        for index in stride(from: shuffled.count - 1, to: 0, by: -1) {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            shuffled.swapAt(index, Int(z % UInt64(index + 1)))
        }
        return shuffled
    }

    static func taskContent(_ db: Database, taskID: Int64) throws -> (Prompt, [CandidateResponse]) {
        guard let promptID = try Int64.fetchOne(db, sql: "SELECT promptId FROM task WHERE id = ?", arguments: [taskID])
        else { throw StoreError.notFound("task \(taskID)") }
        let prompt = try PromptStore.fetch(db, id: promptID)
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT r.id, r.text FROM taskResponse tr JOIN response r ON r.id = tr.responseId
                WHERE tr.taskId = ? ORDER BY tr.position
                """, arguments: [taskID])
        var responses: [CandidateResponse] = []
        for row in rows {
            let id: Int64 = row["id"]
            let critiques = try String.fetchAll(
                db, sql: "SELECT text FROM critique WHERE responseId = ? ORDER BY id", arguments: [id])
            responses.append(CandidateResponse(id: id, text: row["text"], critiques: critiques))
        }
        return (prompt, responses)
    }
}
