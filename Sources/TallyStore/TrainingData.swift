import Foundation
import GRDB

/// One demonstration as a supervised fine-tuning example.
public struct SFTExample: Hashable, Sendable {
    public var promptID: Int64
    public var prompt: PromptContent
    public var completion: String
}

/// One preference pair with its texts, for reward-model training and DPO.
public struct PreferenceExample: Hashable, Sendable {
    public var promptID: Int64
    public var prompt: PromptContent
    public var chosen: String
    public var rejected: String
}

extension TallyDatabase {
    /// Every prompt (of `split`, or all), oldest first.
    public func prompts(split: Split? = nil) throws -> [Prompt] {
        try read { db in
            try Row.fetchAll(
                db,
                sql:
                    """
                    SELECT id, text, messages, source, split FROM prompt
                    WHERE (:split IS NULL OR split = :split) ORDER BY id
                    """,
                arguments: ["split": split?.rawValue]
            ).map(PromptStore.prompt)
        }
    }

    /// Every demonstration as a prompt/completion example, in submission order (what `tally export sft` writes).
    public func sftExamples(filter: ExportFilter = ExportFilter()) throws -> [SFTExample] {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT d.promptId, d.text FROM demonstration d JOIN prompt p ON p.id = d.promptId
                    WHERE (:split IS NULL OR p.split = :split) ORDER BY d.id
                    """, arguments: ["split": filter.split?.rawValue])
            let cache = try ExportCache(db: db, promptIDs: rows.map { $0["promptId"] })
            return try rows.map { row in
                SFTExample(
                    promptID: row["promptId"], prompt: try cache.prompt(row["promptId"]).content,
                    completion: row["text"])
            }
        }
    }

    /// Every preference pair with its texts (what `tally export prefs` writes).
    public func preferenceExamples(_ options: PreferenceExportOptions = PreferenceExportOptions()) throws
        -> [PreferenceExample]
    {
        try read { db in
            let pairs = try Self.preferencePairs(db, options)
            let cache = try ExportCache(db: db, promptIDs: pairs.map(\.promptID))
            return try pairs.map { pair in
                PreferenceExample(
                    promptID: pair.promptID, prompt: try cache.prompt(pair.promptID).content,
                    chosen: try cache.responseText(pair.chosenID), rejected: try cache.responseText(pair.rejectedID))
            }
        }
    }

    /// One labeler's progress (as in `tally status`).
    public func progress(for labeler: Labeler) throws -> LabelerProgress? {
        try status().labelers.first { $0.name == labeler.name }
    }
}
