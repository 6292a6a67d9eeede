import Foundation
import TallyStore

/// One turn of a conversation shown to the labeler.
public struct ChatTurn: Equatable, Sendable {
    public enum Role: String, Sendable { case system, user, assistant }
    public var role: Role
    public var text: String

    public init(role: Role, text: String) {
        self.role = role
        self.text = text
    }
}

/// The current labeling instructions: the Markdown and the version every label records.
public struct InstructionSet: Equatable, Sendable {
    public var version: Int64
    public var markdown: String

    public init(version: Int64, markdown: String) {
        self.version = version
        self.markdown = markdown
    }
}

/// A prompt waiting for a demonstration.
public struct DemonstrationItem: Equatable, Sendable {
    /// The assignment id of an item shown ahead (for its drafts) that is not claimed yet.
    public static let notClaimed: Int64 = 0

    /// The labeler's assignment in the workspace queue (what submissions refer to); ``notClaimed`` for the
    /// items after the first in `upcomingDemonstrations(limit:)`, which are only prefetched.
    public var assignmentID: Int64
    public var promptID: Int64
    public var conversation: [ChatTurn]
    /// Model drafts already stored in the workspace for this prompt.
    public var storedDrafts: [DraftOffer]
    /// Text this labeler already started (autosaved), if any.
    public var savedDraft: String?

    public init(
        assignmentID: Int64, promptID: Int64, conversation: [ChatTurn], storedDrafts: [DraftOffer] = [],
        savedDraft: String? = nil
    ) {
        self.assignmentID = assignmentID
        self.promptID = promptID
        self.conversation = conversation
        self.storedDrafts = storedDrafts
        self.savedDraft = savedDraft
    }
}

/// A model response to rank or compare. Only an opaque identifier reaches the screen, never a model name.
public struct ShownResponse: Equatable, Sendable {
    public var responseID: Int64
    public var text: String
    /// A critique of the response written against the instructions, when one exists.
    public var critique: String?

    public init(responseID: Int64, text: String, critique: String? = nil) {
        self.responseID = responseID
        self.text = text
        self.critique = critique
    }
}

/// A prompt with K (2–9) responses to order into tiers.
public struct RankingItem: Equatable, Sendable {
    public var assignmentID: Int64
    public var promptID: Int64
    public var conversation: [ChatTurn]
    public var responses: [ShownResponse]

    public init(assignmentID: Int64, promptID: Int64, conversation: [ChatTurn], responses: [ShownResponse]) {
        self.assignmentID = assignmentID
        self.promptID = promptID
        self.conversation = conversation
        self.responses = responses
    }
}

/// A prompt with two responses to compare.
public struct ComparisonItem: Equatable, Sendable {
    public var assignmentID: Int64
    public var promptID: Int64
    public var conversation: [ChatTurn]
    public var first: ShownResponse
    public var second: ShownResponse

    public init(
        assignmentID: Int64, promptID: Int64, conversation: [ChatTurn], first: ShownResponse,
        second: ShownResponse
    ) {
        self.assignmentID = assignmentID
        self.promptID = promptID
        self.conversation = conversation
        self.first = first
        self.second = second
    }
}

/// A model draft offered beside the demonstration editor.
public struct DraftOffer: Equatable, Sendable {
    /// The draft's id in the workspace, stored with the demonstration; the screen never shows who wrote it.
    public var draftID: Int64
    public var text: String

    public init(draftID: Int64, text: String) {
        self.draftID = draftID
        self.text = text
    }
}

/// A finished demonstration.
public struct DemonstrationSubmission: Equatable, Sendable {
    public var assignmentID: Int64
    public var promptID: Int64
    public var text: String
    /// Drafts the labeler took as the starting text or pulled paragraphs from, in order of first use.
    public var sourceDraftIDs: [Int64]
    /// Levenshtein distance (in characters) from the final text to each draft that was offered.
    public var editDistances: [Int64: Int]
    public var instructionVersion: Int64
    public var secondsSpent: Double

    public init(
        assignmentID: Int64, promptID: Int64, text: String, sourceDraftIDs: [Int64],
        editDistances: [Int64: Int], instructionVersion: Int64, secondsSpent: Double
    ) {
        self.assignmentID = assignmentID
        self.promptID = promptID
        self.text = text
        self.sourceDraftIDs = sourceDraftIDs
        self.editDistances = editDistances
        self.instructionVersion = instructionVersion
        self.secondsSpent = secondsSpent
    }
}

/// What a flag says about an item or one of its responses: the workspace's own kinds.
public typealias LabelFlagKind = FlagKind

/// A flag set while ranking; `responseID` is nil when it concerns the prompt.
public struct RankingFlag: Equatable, Hashable, Sendable {
    public var kind: LabelFlagKind
    public var responseID: Int64?
    public var note: String?

    public init(kind: LabelFlagKind, responseID: Int64?, note: String? = nil) {
        self.kind = kind
        self.responseID = responseID
        self.note = note
    }
}

/// A finished ranking: tiers best first, each tier a set of tied responses.
public struct RankingSubmission: Equatable, Sendable {
    public var assignmentID: Int64
    public var promptID: Int64
    public var tiers: [[Int64]]
    public var allUnacceptable: Bool
    public var flags: [RankingFlag]
    public var instructionVersion: Int64
    public var secondsSpent: Double

    public init(
        assignmentID: Int64, promptID: Int64, tiers: [[Int64]], allUnacceptable: Bool,
        flags: [RankingFlag], instructionVersion: Int64, secondsSpent: Double
    ) {
        self.assignmentID = assignmentID
        self.promptID = promptID
        self.tiers = tiers
        self.allUnacceptable = allUnacceptable
        self.flags = flags
        self.instructionVersion = instructionVersion
        self.secondsSpent = secondsSpent
    }
}

/// The verdict of a pairwise comparison.
public enum ComparisonChoice: String, CaseIterable, Sendable {
    case first, second, tie, bothBad = "both_bad"
}

/// A finished comparison, with how strongly the labeler prefers (1 slightly … 3 much; 0 for tie/both bad).
public struct ComparisonSubmission: Equatable, Sendable {
    public var assignmentID: Int64
    public var promptID: Int64
    public var firstResponseID: Int64
    public var secondResponseID: Int64
    public var choice: ComparisonChoice
    public var strength: Int
    public var instructionVersion: Int64
    public var secondsSpent: Double

    public init(
        assignmentID: Int64, promptID: Int64, firstResponseID: Int64, secondResponseID: Int64,
        choice: ComparisonChoice, strength: Int, instructionVersion: Int64, secondsSpent: Double
    ) {
        self.assignmentID = assignmentID
        self.promptID = promptID
        self.firstResponseID = firstResponseID
        self.secondResponseID = secondResponseID
        self.choice = choice
        self.strength = strength
        self.instructionVersion = instructionVersion
        self.secondsSpent = secondsSpent
    }
}

/// Work waiting for this labeler and what they have done.
public struct QueueSummary: Equatable, Sendable {
    public var demonstrationsWaiting: Int
    public var rankingsWaiting: Int
    public var comparisonsWaiting: Int
    /// Arena battles waiting for this labeler's vote.
    public var arenaWaiting: Int
    public var demonstrationsDone: Int
    public var rankingsDone: Int
    public var comparisonsDone: Int
    /// Arena votes this labeler cast.
    public var arenaDone: Int

    public init(
        demonstrationsWaiting: Int = 0, rankingsWaiting: Int = 0, comparisonsWaiting: Int = 0, arenaWaiting: Int = 0,
        demonstrationsDone: Int = 0, rankingsDone: Int = 0, comparisonsDone: Int = 0, arenaDone: Int = 0
    ) {
        self.demonstrationsWaiting = demonstrationsWaiting
        self.rankingsWaiting = rankingsWaiting
        self.comparisonsWaiting = comparisonsWaiting
        self.arenaWaiting = arenaWaiting
        self.demonstrationsDone = demonstrationsDone
        self.rankingsDone = rankingsDone
        self.comparisonsDone = comparisonsDone
        self.arenaDone = arenaDone
    }
}

/// What the admin Review screen shows.
public struct ReviewSummary: Sendable {
    public struct LabelerRow: Equatable, Sendable {
        public var name: String
        public var demonstrations: Int
        public var rankings: Int
        public var comparisons: Int
        public init(name: String, demonstrations: Int, rankings: Int, comparisons: Int) {
            self.name = name
            self.demonstrations = demonstrations
            self.rankings = rankings
            self.comparisons = comparisons
        }
    }
    /// A flag a labeler set: what kind, their note, the prompt it concerns, who and when.
    public struct FlaggedItem: Equatable, Sendable {
        public var promptID: Int64
        /// As shown: harmful, jailbreak, PII, spam, factual error or note.
        public var kind: String
        public var labeler: String
        public var note: String?
        /// The prompt's text (the screen sanitises and shortens it).
        public var promptPreview: String
        /// When the flag was set, if known.
        public var createdAt: Date?
        public init(
            promptID: Int64, kind: String, labeler: String, note: String?, promptPreview: String,
            createdAt: Date? = nil
        ) {
            self.promptID = promptID
            self.kind = kind
            self.labeler = labeler
            self.note = note
            self.promptPreview = promptPreview
            self.createdAt = createdAt
        }
    }
    public var labelers: [LabelerRow]
    /// Agreement figures as label/value pairs (e.g. "pairwise ranking agreement" / "71.8 % over 212 pairs").
    public var agreement: [(String, String)]
    /// Flags, newest first.
    public var flagged: [FlaggedItem]

    public init(labelers: [LabelerRow], agreement: [(String, String)], flagged: [FlaggedItem]) {
        self.labelers = labelers
        self.agreement = agreement
        self.flagged = flagged
    }
}

/// Everything the screens need from the workspace. `TallyStoreLabelingService` implements it on the store.
///
/// Every `submit` and `vote` is one committed transaction; implementations must hide other labelers' labels and
/// model names (blind labeling): an arena battle's models are told only by the vote that judges it.
public protocol LabelingService: AnyObject {
    var labelerName: String { get }
    var isAdmin: Bool { get }
    func instructions() throws -> InstructionSet
    /// Whether this labeler has already been shown the instructions of this version.
    func hasSeenInstructions(version: Int64) throws -> Bool
    func markInstructionsSeen(version: Int64) throws
    /// Waiting and done counts. Called from a background thread: implementations must allow that.
    func queueCounts() throws -> QueueSummary
    /// The next prompts to demonstrate, first one first (the rest are prefetched for drafts).
    func upcomingDemonstrations(limit: Int) throws -> [DemonstrationItem]
    func upcomingRankings(limit: Int) throws -> [RankingItem]
    func nextComparison() throws -> ComparisonItem?
    func submit(_ demonstration: DemonstrationSubmission) throws
    func submit(_ ranking: RankingSubmission) throws
    func submit(_ comparison: ComparisonSubmission) throws
    /// The next arena battle to vote on, held for this labeler until they vote or skip it (nil: none waiting).
    func nextArenaBattle() throws -> ArenaItem?
    /// Stores the vote (one transaction) and returns which models wrote A and B. A vote cannot be undone.
    func vote(_ vote: ArenaVoteSubmission) throws -> ArenaReveal
    /// Puts the battle back behind the others: it comes back later.
    func skipArenaBattle(battleID: Int64) throws
    /// Autosaves a half-written demonstration (it survives quitting, a crash or a lost connection).
    func saveDemonstrationDraft(assignmentID: Int64, text: String) throws
    /// Stores a draft a drafter wrote for a prompt; returns its id (recorded with demonstrations using it).
    func recordDraft(promptID: Int64, drafter: DraftAuthor, text: String) throws -> Int64
    /// Stores a critique a drafter wrote for a response.
    func recordCritique(promptID: Int64, responseID: Int64, drafter: DraftAuthor, text: String) throws
    /// Takes back this labeler's last submitted label; returns a description of it, or nil if none.
    func undoLastSubmission() throws -> String?
    func reviewSummary() throws -> ReviewSummary
}
