import Foundation
import GRDB

/// Tasks and assignments: who labels what, each item going to `overlapTarget` different labelers.
enum Queue {
    @discardableResult
    static func insertTask(_ db: Database, kind: TaskKind, promptID: Int64, overlap: Int, now: Double) throws -> Int64 {
        try db.cachedStatement(sql: "INSERT INTO task (kind, promptId, overlapTarget, createdAt) VALUES (?, ?, ?, ?)")
            .execute(arguments: [kind.rawValue, promptID, overlap, now])
        return db.lastInsertedRowID
    }

    static func attach(_ db: Database, responses: [Int64], to taskID: Int64) throws {
        for (position, responseID) in responses.enumerated() {
            try db.cachedStatement(sql: "INSERT INTO taskResponse (taskId, responseId, position) VALUES (?, ?, ?)")
                .execute(arguments: [taskID, responseID, position])
        }
    }

    /// Tasks of `kind` that `labelerID` may still take: never assigned to them, with a free slot.
    /// (Skipped assignments free their slot for someone else.)
    static let openTasksSQL = """
        FROM task t
        WHERE t.kind = :kind
          AND NOT EXISTS (SELECT 1 FROM assignment a WHERE a.taskId = t.id AND a.labelerId = :labeler)
          AND (SELECT count(*) FROM assignment a WHERE a.taskId = t.id AND a.status <> 'skipped') < t.overlapTarget
        """

    /// The labeler's unfinished (pending or draft) assignments of `kind`.
    static let unfinishedAssignmentsSQL = """
        FROM assignment a JOIN task t ON t.id = a.taskId
        WHERE a.labelerId = :labeler AND t.kind = :kind AND a.status IN ('pending', 'draft')
        """

    /// The labeler's unfinished assignments of `kind`, oldest first, at most `limit`.
    static func unfinished(
        _ db: Database, kind: TaskKind, labelerID: Int64, limit: Int
    ) throws -> [(assignmentID: Int64, taskID: Int64, promptID: Int64)] {
        try Row.fetchAll(
            db,
            sql: "SELECT a.id, a.taskId, t.promptId " + unfinishedAssignmentsSQL
                + " ORDER BY a.createdAt, a.id LIMIT :limit",
            arguments: ["kind": kind.rawValue, "labeler": labelerID, "limit": limit]
        ).map { ($0["id"], $0["taskId"], $0["promptId"]) }
    }

    /// The labeler's oldest unfinished assignment of `kind`, else a newly claimed task (committed as
    /// `pending` so that concurrent labelers never exceed the overlap target). Nil when the queue is empty.
    static func claim(_ db: Database, kind: TaskKind, labelerID: Int64) throws -> (assignmentID: Int64, taskID: Int64)?
    {
        if let oldest = try unfinished(db, kind: kind, labelerID: labelerID, limit: 1).first {
            return (oldest.assignmentID, oldest.taskID)
        }
        guard
            let taskID = try Int64.fetchOne(
                db, sql: "SELECT t.id " + openTasksSQL + " ORDER BY t.id LIMIT 1",
                arguments: ["kind": kind.rawValue, "labeler": labelerID])
        else { return nil }
        let now = Date.nowTimestamp
        try db.execute(
            sql: """
                INSERT INTO assignment (taskId, labelerId, status, createdAt, updatedAt)
                VALUES (?, ?, 'pending', ?, ?)
                """, arguments: [taskID, labelerID, now, now])
        return (db.lastInsertedRowID, taskID)
    }

    /// How many tasks of `kind` the labeler could still do (their unfinished ones plus open ones).
    static func count(_ db: Database, kind: TaskKind, labelerID: Int64) throws -> Int {
        let open =
            try Int.fetchOne(
                db, sql: "SELECT count(*) " + openTasksSQL, arguments: ["kind": kind.rawValue, "labeler": labelerID])
            ?? 0
        let mine =
            try Int.fetchOne(
                db, sql: "SELECT count(*) " + unfinishedAssignmentsSQL,
                arguments: ["kind": kind.rawValue, "labeler": labelerID]) ?? 0
        return open + mine
    }

    /// An assignment row, checked to be unfinished and of the expected kind.
    static func openAssignment(_ db: Database, id: Int64, kind: TaskKind) throws -> OpenAssignment {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT a.id, a.taskId, a.labelerId, a.status, t.kind, t.promptId
                    FROM assignment a JOIN task t ON t.id = a.taskId WHERE a.id = ?
                    """, arguments: [id])
        else { throw StoreError.notFound("assignment \(id)") }
        let assignment = OpenAssignment(
            id: row["id"], taskID: row["taskId"], labelerID: row["labelerId"], promptID: row["promptId"])
        guard row["kind"] == kind.rawValue else {
            throw StoreError.invalid("assignment \(id) is a \(row["kind"] as String) task, not a \(kind.rawValue) task")
        }
        let status: String = row["status"]
        guard status == AssignmentStatus.pending.rawValue || status == AssignmentStatus.draft.rawValue else {
            throw StoreError.invalid("assignment \(id) is already \(status); it cannot be submitted again")
        }
        return assignment
    }

    /// The responses of a task, in display order.
    static func responseIDs(_ db: Database, taskID: Int64) throws -> [Int64] {
        try Int64.fetchAll(
            db, sql: "SELECT responseId FROM taskResponse WHERE taskId = ? ORDER BY position", arguments: [taskID])
    }

    static func markSubmitted(_ db: Database, assignmentID: Int64, now: Double) throws {
        try db.execute(
            sql: "UPDATE assignment SET status = 'submitted', updatedAt = ?, submittedAt = ? WHERE id = ?",
            arguments: [now, now, assignmentID])
    }
}

/// An unfinished assignment being submitted.
struct OpenAssignment {
    let id: Int64
    let taskID: Int64
    let labelerID: Int64
    let promptID: Int64
}
