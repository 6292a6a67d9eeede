import Foundation
import GRDB

/// A checkpoint as recorded in the database (its files live in `checkpoints/<id>/`).
public struct CheckpointRecord: Hashable, Sendable {
    public var id: Int64
    public var name: String
    public var kind: CheckpointKind
    public var parentID: Int64?
    public var path: String
    /// JSON text of the model/training configuration.
    public var config: String
    public var sha256: String
    public var createdAt: Date
}

/// A response as stored, including what the labeling UI never shows (origin, checkpoint).
public struct ResponseRecord: Hashable, Sendable {
    public var id: Int64
    public var promptID: Int64
    public var text: String
    public var origin: ResponseOrigin
    public var checkpointID: Int64?
    public var sampling: SamplingParameters?
    public var seed: Int64?
}

extension TallyDatabase {
    /// Stores sampled responses to one prompt and, by default, queues them for ranking (2–9 of them)
    /// or for a pairwise comparison (`queueAs: .comparison`, exactly 2). Returns their ids in order.
    ///
    /// ```swift
    /// let ids = try database.insertResponses(
    ///     promptID: prompt.id, texts: samples, origin: .model, checkpointID: sft.id,
    ///     sampling: SamplingParameters(temperature: 0.8, topP: 0.95), seed: 42)
    /// ```
    @discardableResult
    public func insertResponses(
        promptID: Int64, texts: [String], origin: ResponseOrigin = .model, checkpointID: Int64? = nil,
        sampling: SamplingParameters? = nil, seed: Int64? = nil, queueAs queue: TaskKind? = .ranking
    ) throws -> [Int64] {
        switch queue {
        case .ranking?:
            guard ImportLineParser.responsesPerRanking.contains(texts.count) else {
                throw StoreError.invalid("a ranking task needs 2 to 9 responses, got \(texts.count)")
            }
        case .comparison?:
            guard texts.count == 2 else {
                throw StoreError.invalid("a comparison task needs exactly 2 responses, got \(texts.count)")
            }
        case .demonstration?:
            throw StoreError.invalid("responses cannot be queued as a demonstration task")
        case nil:
            break
        }
        let samplingJSON = try sampling.map { String(decoding: try PromptStore.encoder.encode($0), as: UTF8.self) }
        return try write { db in
            let now = Date.nowTimestamp
            var ids: [Int64] = []
            for text in texts {
                try db.cachedStatement(
                    sql: """
                        INSERT INTO response (promptId, text, textHash, origin, checkpointId, sampling, seed, source,
                            createdAt) VALUES (?, ?, ?, ?, ?, ?, ?, 'generated', ?)
                        """
                ).execute(arguments: [
                    promptID, text, ContentHash.textKey(text), origin.rawValue, checkpointID, samplingJSON,
                    seed, now,
                ])
                ids.append(db.lastInsertedRowID)
            }
            if let queue {
                let taskID = try Queue.insertTask(
                    db, kind: queue, promptID: promptID, overlap: try Settings.overlapTarget(db), now: now)
                try Queue.attach(db, responses: ids, to: taskID)
            }
            return ids
        }
    }

    /// The response with `id`, with its origin and checkpoint (for training and the arena, not the UI).
    public func response(id: Int64) throws -> ResponseRecord {
        try read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT id, promptId, text, origin, checkpointId, sampling, seed FROM response WHERE id = ?",
                    arguments: [id])
            else { throw StoreError.notFound("response \(id)") }
            let sampling = (row["sampling"] as String?).flatMap {
                try? JSONDecoder().decode(SamplingParameters.self, from: Data($0.utf8))
            }
            return ResponseRecord(
                id: row["id"], promptID: row["promptId"], text: row["text"],
                origin: ResponseOrigin(rawValue: row["origin"]) ?? .model, checkpointID: row["checkpointId"],
                sampling: sampling, seed: row["seed"])
        }
    }

    /// Stores a model-written draft demonstration for `promptID`. Returns its id.
    @discardableResult
    public func insertDraft(promptID: Int64, author: ModelAuthor, text: String) throws -> Int64 {
        try write { db in
            let (checkpointID, endpoint) = Self.authorColumns(author)
            try db.execute(
                sql:
                    "INSERT INTO draft (promptId, checkpointId, endpointModel, text, createdAt) VALUES (?, ?, ?, ?, ?)",
                arguments: [promptID, checkpointID, endpoint, text, Date.nowTimestamp])
            return db.lastInsertedRowID
        }
    }

    /// Stores a model-written critique of `responseID`. Returns its id.
    @discardableResult
    public func insertCritique(responseID: Int64, author: ModelAuthor, text: String) throws -> Int64 {
        try write { db in
            guard
                let promptID = try Int64.fetchOne(
                    db, sql: "SELECT promptId FROM response WHERE id = ?", arguments: [responseID])
            else { throw StoreError.notFound("response \(responseID)") }
            let (checkpointID, endpoint) = Self.authorColumns(author)
            try db.execute(
                sql: """
                    INSERT INTO critique (promptId, responseId, checkpointId, endpointModel, text, createdAt)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [promptID, responseID, checkpointID, endpoint, text, Date.nowTimestamp])
            return db.lastInsertedRowID
        }
    }

    private static func authorColumns(_ author: ModelAuthor) -> (Int64?, String?) {
        switch author {
        case .checkpoint(let id): return (id, nil)
        case .endpoint(let model): return (nil, model)
        }
    }

    // MARK: - Checkpoints

    /// Records a checkpoint whose files were written (atomically) to `path`. Returns its id.
    ///
    /// - Parameters:
    ///   - config: the configuration as JSON text.
    ///   - sha256: hex SHA-256 of the weights file, checked when the checkpoint is loaded.
    @discardableResult
    public func registerCheckpoint(
        name: String, kind: CheckpointKind, parentID: Int64? = nil, path: String, config: String, sha256: String
    ) throws -> Int64 {
        try write { db in
            if try Int64.fetchOne(db, sql: "SELECT id FROM checkpoint WHERE name = ?", arguments: [name]) != nil {
                throw StoreError.invalid("a checkpoint named \"\(name)\" already exists; choose another name")
            }
            try db.execute(
                sql: """
                    INSERT INTO checkpoint (name, kind, parentId, path, config, sha256, createdAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [name, kind.rawValue, parentID, path, config, sha256, Date.nowTimestamp])
            return db.lastInsertedRowID
        }
    }

    /// Every checkpoint, oldest first.
    public func checkpoints() throws -> [CheckpointRecord] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, name, kind, parentId, path, config, sha256, createdAt FROM checkpoint ORDER BY id"
            ).map(Self.checkpoint)
        }
    }

    /// The checkpoint called `name`, or nil.
    public func checkpoint(named name: String) throws -> CheckpointRecord? {
        try read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT id, name, kind, parentId, path, config, sha256, createdAt FROM checkpoint WHERE name = ?",
                arguments: [name]
            ).map(Self.checkpoint)
        }
    }

    private static func checkpoint(_ row: Row) -> CheckpointRecord {
        CheckpointRecord(
            id: row["id"], name: row["name"], kind: CheckpointKind(rawValue: row["kind"]) ?? .base,
            parentID: row["parentId"], path: row["path"], config: row["config"], sha256: row["sha256"],
            createdAt: Date(timeIntervalSince1970: row["createdAt"]))
    }
}
