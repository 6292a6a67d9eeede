import Foundation
import GRDB

/// One labeler's progress.
public struct LabelerProgress: Hashable, Codable, Sendable {
    public var name: String
    public var role: String
    public var demonstrations: Int
    public var rankings: Int
    public var comparisons: Int
    public var skipped: Int
    /// Claimed or autosaved, not yet submitted.
    public var inProgress: Int
    /// Total seconds spent on submitted labels.
    public var secondsSpent: Double
    /// Tasks still available to this labeler.
    public var queue: QueueCounts
}

/// What a workspace holds, for `tally status`.
public struct WorkspaceStatus: Hashable, Codable, Sendable {
    public var prompts: [String: Int]
    public var responses: Int
    public var demonstrations: Int
    public var rankings: Int
    public var comparisons: Int
    /// Preference pairs an export would write (rankings expanded, ties dropped).
    public var pairs: Int
    public var flags: Int
    public var checkpoints: Int
    public var trainingRuns: Int
    /// Arena battles judged (by people, a reward model or the oracle).
    public var battles: Int
    /// Arena battles queued for people that nobody has voted on yet.
    public var battlesAwaitingVotes = 0
    /// Tasks with a free slot, per kind.
    public var openTasks: [String: Int]
    public var instructionVersion: String?
    public var labelers: [LabelerProgress]
}

extension TallyDatabase {
    /// Counts of everything and each labeler's progress, from one consistent snapshot.
    public func status() throws -> WorkspaceStatus {
        try read { db in
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
            var prompts: [String: Int] = [:]
            for split in Split.allCases {
                prompts[split.rawValue] =
                    try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM prompt WHERE split = ?", arguments: [split.rawValue]) ?? 0
            }
            var openTasks: [String: Int] = [:]
            for kind in TaskKind.allCases {
                openTasks[kind.rawValue] =
                    try Int.fetchOne(
                        db,
                        sql: """
                            SELECT count(*) FROM task t WHERE t.kind = ? AND (SELECT count(*) FROM assignment a
                                WHERE a.taskId = t.id AND a.status = 'submitted') < t.overlapTarget
                            """, arguments: [kind.rawValue]) ?? 0
            }
            var labelers: [LabelerProgress] = []
            for row in try Row.fetchAll(db, sql: "SELECT id, name, role FROM labeler ORDER BY name") {
                let id: Int64 = row["id"]
                func labelerCount(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql, arguments: [id]) ?? 0 }
                let seconds =
                    try Double.fetchOne(
                        db,
                        sql: """
                            SELECT coalesce((SELECT sum(secondsSpent) FROM demonstration WHERE labelerId = ?1), 0)
                                 + coalesce((SELECT sum(secondsSpent) FROM ranking WHERE labelerId = ?1), 0)
                                 + coalesce((SELECT sum(secondsSpent) FROM comparison WHERE labelerId = ?1), 0)
                            """, arguments: [id]) ?? 0
                labelers.append(
                    LabelerProgress(
                        name: row["name"], role: row["role"],
                        demonstrations: try labelerCount("SELECT count(*) FROM demonstration WHERE labelerId = ?"),
                        rankings: try labelerCount("SELECT count(*) FROM ranking WHERE labelerId = ?"),
                        comparisons: try labelerCount("SELECT count(*) FROM comparison WHERE labelerId = ?"),
                        skipped: try labelerCount(
                            "SELECT count(*) FROM assignment WHERE labelerId = ? AND status = 'skipped'"),
                        inProgress: try labelerCount(
                            "SELECT count(*) FROM assignment WHERE labelerId = ? AND status IN ('pending', 'draft')"),
                        secondsSpent: seconds,
                        queue: QueueCounts(
                            demonstrations: try Queue.count(db, kind: .demonstration, labelerID: id),
                            rankings: try Queue.count(db, kind: .ranking, labelerID: id),
                            comparisons: try Queue.count(db, kind: .comparison, labelerID: id))))
            }
            var status = WorkspaceStatus(
                prompts: prompts,
                responses: try count("SELECT count(*) FROM response"),
                demonstrations: try count("SELECT count(*) FROM demonstration"),
                rankings: try count("SELECT count(*) FROM ranking"),
                comparisons: try count("SELECT count(*) FROM comparison"),
                pairs: try Self.preferencePairs(db, PreferenceExportOptions()).count,
                flags: try count("SELECT count(*) FROM flag"),
                checkpoints: try count("SELECT count(*) FROM checkpoint"),
                trainingRuns: try count("SELECT count(*) FROM trainingRun"),
                battles: try count("SELECT count(*) FROM arenaBattle WHERE outcome IS NOT NULL"),
                openTasks: openTasks,
                instructionVersion: try Self.currentInstructionVersion(db)?.hash,
                labelers: labelers)
            status.battlesAwaitingVotes = try count("SELECT count(*) FROM arenaBattle WHERE outcome IS NULL")
            return status
        }
    }
}
