import Foundation
import GRDB

extension TallyDatabase {
    /// Prompts that have no response yet (none imported, none sampled), oldest first: what
    /// `tally sample` fills the ranking queue from. A prompt stops appearing here as soon as
    /// ``insertResponses(promptID:texts:origin:checkpointID:sampling:seed:queueAs:)`` commits
    /// responses for it, so an interrupted sampling run picks up where it stopped.
    ///
    /// ```swift
    /// for prompt in try database.promptsAwaitingResponses(split: .train, limit: 100) { ... }
    /// ```
    public func promptsAwaitingResponses(split: Split? = nil, limit: Int? = nil) throws -> [Prompt] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, text, messages, source, split FROM prompt
                    WHERE (:split IS NULL OR split = :split)
                      AND NOT EXISTS (SELECT 1 FROM response WHERE response.promptId = prompt.id)
                    ORDER BY id LIMIT :limit
                    """,
                arguments: ["split": split?.rawValue, "limit": limit ?? -1]
            ).map(PromptStore.prompt)
        }
    }
}
