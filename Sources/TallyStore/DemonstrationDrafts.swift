import GRDB

/// A draft a demonstration started from, and how far the final text ended from it.
public struct DemonstrationDraftLink: Hashable, Sendable {
    public var draftID: Int64
    /// Levenshtein distance in characters from the demonstration's text to the draft; nil when not recorded
    /// (links stored before distances were kept).
    public var editDistance: Int?

    public init(draftID: Int64, editDistance: Int?) {
        self.draftID = draftID
        self.editDistance = editDistance
    }
}

extension TallyDatabase {
    /// The drafts `demonstrationID` started from, by draft id, with their edit distances.
    public func demonstrationDrafts(demonstrationID: Int64) throws -> [DemonstrationDraftLink] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT draftId, editDistance FROM demonstrationDraft WHERE demonstrationId = ? ORDER BY draftId",
                arguments: [demonstrationID]
            ).map { DemonstrationDraftLink(draftID: $0["draftId"], editDistance: $0["editDistance"]) }
        }
    }

    /// The drafts the demonstration submitted for `assignmentID` started from, with their edit distances
    /// (empty when none is submitted).
    public func demonstrationDrafts(assignmentID: Int64) throws -> [DemonstrationDraftLink] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT dd.draftId, dd.editDistance FROM demonstrationDraft dd
                    JOIN demonstration d ON d.id = dd.demonstrationId
                    WHERE d.assignmentId = ? ORDER BY dd.draftId
                    """, arguments: [assignmentID]
            ).map { DemonstrationDraftLink(draftID: $0["draftId"], editDistance: $0["editDistance"]) }
        }
    }
}
