import Foundation
import GRDB

/// A prompt as stored.
public struct Prompt: Hashable, Sendable {
    public var id: Int64
    public var content: PromptContent
    public var source: String
    public var split: Split

    public init(id: Int64, content: PromptContent, source: String, split: Split) {
        self.id = id
        self.content = content
        self.source = source
        self.split = split
    }
}

/// Reading and writing prompt rows.
enum PromptStore {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Inserts a prompt unless one with the same `contentHash` exists (then changes nothing). Arguments:
    /// text, messages, source, split, contentHash, createdAt.
    static let insertIfNewSQL = """
        INSERT INTO prompt (text, messages, source, split, contentHash, createdAt) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (contentHash) DO NOTHING
        """

    /// `content` as the row's `text` and `messages` columns (exactly one of them is non-nil).
    static func columns(for content: PromptContent) throws -> (text: String?, messages: String?) {
        switch content.canonical {
        case .text(let value):
            return (value, nil)
        case .messages(let list):
            return (nil, String(decoding: try encoder.encode(list), as: UTF8.self))
        }
    }

    /// Inserts the prompt unless one with the same hash exists; returns the new id, or nil.
    static func insertIfNew(
        _ db: Database, content: PromptContent, source: String, split: Split, hash: Data, now: Double
    ) throws -> Int64? {
        let (text, messages) = try columns(for: content)
        try db.cachedStatement(sql: insertIfNewSQL).execute(
            arguments: [text, messages, source, split.rawValue, hash, now])
        return db.changesCount == 1 ? db.lastInsertedRowID : nil
    }

    /// The content stored in a row's `text` and `messages` columns.
    static func content(text: String?, messages: String?) throws -> PromptContent {
        if let text { return .text(text) }
        guard let messages, let data = messages.data(using: .utf8) else {
            throw StoreError.invalid("a prompt row has neither text nor messages")
        }
        return .messages(try JSONDecoder().decode([Message].self, from: data))
    }

    static func fetch(_ db: Database, id: Int64) throws -> Prompt {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT id, text, messages, source, split FROM prompt WHERE id = ?"),
                arguments: [id])
        else { throw StoreError.notFound("prompt \(id)") }
        return try prompt(row)
    }

    static func prompt(_ row: Row) throws -> Prompt {
        Prompt(
            id: row["id"], content: try content(text: row["text"], messages: row["messages"]),
            source: row["source"], split: Split(rawValue: row["split"]) ?? .train)
    }
}

/// Workspace-wide settings kept in the `setting` table.
enum Settings {
    static let overlapKey = "queue.overlapTarget"
    /// By default each item is labeled by one labeler; raise it to measure agreement.
    static let defaultOverlap = 1

    static func overlapTarget(_ db: Database) throws -> Int {
        let value = try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [overlapKey])
        return value.flatMap(Int.init) ?? defaultOverlap
    }
}

extension TallyDatabase {
    /// How many different labelers each newly queued item goes to (default 1).
    public func overlapTarget() throws -> Int {
        try read { try Settings.overlapTarget($0) }
    }

    /// Sets how many different labelers each newly queued item goes to. With `updatingOpenTasks`,
    /// tasks already queued get the new target too.
    public func setOverlapTarget(_ target: Int, updatingOpenTasks: Bool = false) throws {
        guard target >= 1 else { throw StoreError.invalid("the overlap target must be at least 1") }
        try write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)",
                arguments: [Settings.overlapKey, String(target)])
            if updatingOpenTasks {
                try db.execute(sql: "UPDATE task SET overlapTarget = ?", arguments: [target])
            }
        }
    }

    /// The prompt with `id`.
    public func prompt(id: Int64) throws -> Prompt {
        try read { try PromptStore.fetch($0, id: id) }
    }

    /// Adds one prompt (merged with an existing one of the same normalized content) and, when new,
    /// queues it for demonstrations. Returns its id.
    @discardableResult
    public func addPrompt(_ content: PromptContent, source: String = "api", split: Split = .train) throws -> Int64 {
        try write { db in
            let hash = ContentHash.promptHash(content).data
            let now = Date.nowTimestamp
            guard
                let id = try PromptStore.insertIfNew(
                    db, content: content, source: source, split: split, hash: hash, now: now)
            else {
                return try Int64.fetchOne(db, sql: "SELECT id FROM prompt WHERE contentHash = ?", arguments: [hash])!
            }
            try Queue.insertTask(
                db, kind: .demonstration, promptID: id, overlap: try Settings.overlapTarget(db), now: now)
            return id
        }
    }
}
