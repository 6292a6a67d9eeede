import Foundation
import GRDB

/// A flag a labeler set, with the prompt it concerns: what the admin reviews.
public struct FlaggedItem: Hashable, Sendable {
    public var flagID: Int64
    public var kind: FlagKind
    /// The labeler's note, if they wrote one.
    public var note: String?
    public var prompt: Prompt
    /// The response flagged, nil when the flag concerns the prompt.
    public var responseID: Int64?
    /// Nil for flags that came without a labeler (imports).
    public var labelerName: String?
    public var createdAt: Date

    public init(
        flagID: Int64, kind: FlagKind, note: String?, prompt: Prompt, responseID: Int64?, labelerName: String?,
        createdAt: Date
    ) {
        self.flagID = flagID
        self.kind = kind
        self.note = note
        self.prompt = prompt
        self.responseID = responseID
        self.labelerName = labelerName
        self.createdAt = createdAt
    }
}

extension TallyDatabase {
    /// The most recent `limit` flags, newest first, with their prompts and who set them.
    public func flaggedItems(limit: Int) throws -> [FlaggedItem] {
        guard limit > 0 else { return [] }
        return try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT f.id, f.kind, f.note, f.promptId, f.responseId, f.createdAt, l.name
                    FROM flag f LEFT JOIN labeler l ON l.id = f.labelerId
                    ORDER BY f.createdAt DESC, f.id DESC LIMIT ?
                    """, arguments: [limit])
            return try rows.map { row in
                let kindName: String = row["kind"]
                guard let kind = FlagKind(rawValue: kindName) else {
                    throw StoreError.invalid("flag \(row["id"] as Int64) has an unknown kind \"\(kindName)\"")
                }
                return FlaggedItem(
                    flagID: row["id"], kind: kind, note: row["note"],
                    prompt: try PromptStore.fetch(db, id: row["promptId"]),
                    responseID: row["responseId"], labelerName: row["name"],
                    createdAt: Date(timeIntervalSince1970: row["createdAt"]))
            }
        }
    }
}
