/// An arena battle waiting for the labeler's vote: a prompt and two anonymous responses, shown as A (left) and
/// B (right). Nothing in it says which model wrote which side; ``ArenaReveal`` does, once the vote is stored.
public struct ArenaItem: Equatable, Sendable {
    /// The battle, to pass back with the vote or the skip.
    public var battleID: Int64
    public var promptID: Int64
    public var conversation: [ChatTurn]
    /// The response shown on the left, as A.
    public var left: String
    /// The response shown on the right, as B.
    public var right: String
    /// Whether this battle was skipped before and came back.
    public var skippedBefore: Bool

    public init(
        battleID: Int64, promptID: Int64, conversation: [ChatTurn], left: String, right: String,
        skippedBefore: Bool = false
    ) {
        self.battleID = battleID
        self.promptID = promptID
        self.conversation = conversation
        self.left = left
        self.right = right
        self.skippedBefore = skippedBefore
    }
}

/// A vote on an arena battle: A (left) or B (right) is better, a tie, or both bad, and how long it took.
public struct ArenaVoteSubmission: Equatable, Sendable {
    public var battleID: Int64
    public var choice: ComparisonChoice
    public var instructionVersion: Int64
    public var secondsSpent: Double

    public init(battleID: Int64, choice: ComparisonChoice, instructionVersion: Int64, secondsSpent: Double) {
        self.battleID = battleID
        self.choice = choice
        self.instructionVersion = instructionVersion
        self.secondsSpent = secondsSpent
    }
}

/// Which models wrote the two sides, shown after the vote.
public struct ArenaReveal: Equatable, Sendable {
    /// The model behind A (left).
    public var leftModel: String
    /// The model behind B (right).
    public var rightModel: String

    public init(leftModel: String, rightModel: String) {
        self.leftModel = leftModel
        self.rightModel = rightModel
    }
}
