import Foundation

@testable import TallyTUI

/// A workspace held in memory for screen tests: records what the screens submit.
final class InMemoryLabelingService: LabelingService {
    var labelerName = "ada"
    var isAdmin = false
    var instructionSet = InstructionSet(version: 3, markdown: "# Guidelines\n\n- Be **helpful**.\n- Be honest.")
    var seenVersions: Set<Int64> = []
    var demonstrations: [DemonstrationItem] = []
    var rankings: [RankingItem] = []
    var comparisons: [ComparisonItem] = []
    var submittedDemonstrations: [DemonstrationSubmission] = []
    var submittedRankings: [RankingSubmission] = []
    var submittedComparisons: [ComparisonSubmission] = []
    /// Arena battles waiting, with the models behind A and B (told only by a vote).
    var arenaBattles: [(item: ArenaItem, reveal: ArenaReveal)] = []
    var arenaVotes: [ArenaVoteSubmission] = []
    var skippedBattles: [Int64] = []
    /// Autosaved texts by assignment.
    var savedDrafts: [Int64: String] = [:]
    var recordedDrafts: [(id: Int64, promptID: Int64, drafter: DraftAuthor, text: String)] = []
    var recordedCritiques: [(responseID: Int64, text: String)] = []
    private var history: [String] = []
    /// Queue counts are read from a background thread.
    private let lock = NSLock()

    func instructions() throws -> InstructionSet { instructionSet }
    func hasSeenInstructions(version: Int64) throws -> Bool { seenVersions.contains(version) }
    func markInstructionsSeen(version: Int64) throws { seenVersions.insert(version) }

    func queueCounts() throws -> QueueSummary {
        lock.lock()
        defer { lock.unlock() }
        return QueueSummary(
            demonstrationsWaiting: demonstrations.count, rankingsWaiting: rankings.count,
            comparisonsWaiting: comparisons.count, arenaWaiting: arenaBattles.count,
            demonstrationsDone: submittedDemonstrations.count, rankingsDone: submittedRankings.count,
            comparisonsDone: submittedComparisons.count, arenaDone: arenaVotes.count)
    }

    func upcomingDemonstrations(limit: Int) throws -> [DemonstrationItem] {
        demonstrations.prefix(limit).map { task in
            var copy = task
            copy.savedDraft = savedDrafts[task.assignmentID]
            return copy
        }
    }

    func upcomingRankings(limit: Int) throws -> [RankingItem] { Array(rankings.prefix(limit)) }
    func nextComparison() throws -> ComparisonItem? { comparisons.first }

    func submit(_ demonstration: DemonstrationSubmission) throws {
        lock.lock()
        defer { lock.unlock() }
        submittedDemonstrations.append(demonstration)
        demonstrations.removeAll { $0.promptID == demonstration.promptID }
        savedDrafts[demonstration.assignmentID] = nil
        history.append("demonstration")
    }

    func submit(_ ranking: RankingSubmission) throws {
        lock.lock()
        defer { lock.unlock() }
        submittedRankings.append(ranking)
        rankings.removeAll { $0.promptID == ranking.promptID }
        history.append("ranking")
    }

    func submit(_ comparison: ComparisonSubmission) throws {
        lock.lock()
        defer { lock.unlock() }
        submittedComparisons.append(comparison)
        comparisons.removeAll { $0.promptID == comparison.promptID }
        history.append("comparison")
    }

    func nextArenaBattle() throws -> ArenaItem? {
        lock.lock()
        defer { lock.unlock() }
        return arenaBattles.first?.item
    }

    func vote(_ vote: ArenaVoteSubmission) throws -> ArenaReveal {
        lock.lock()
        defer { lock.unlock() }
        guard let index = arenaBattles.firstIndex(where: { $0.item.battleID == vote.battleID }) else {
            throw TestFailure("battle \(vote.battleID) is not waiting")
        }
        arenaVotes.append(vote)
        return arenaBattles.remove(at: index).reveal
    }

    func skipArenaBattle(battleID: Int64) throws {
        lock.lock()
        defer { lock.unlock() }
        guard let index = arenaBattles.firstIndex(where: { $0.item.battleID == battleID }) else { return }
        skippedBattles.append(battleID)
        var skipped = arenaBattles.remove(at: index)
        skipped.item.skippedBefore = true
        arenaBattles.append(skipped)
    }

    func saveDemonstrationDraft(assignmentID: Int64, text: String) throws { savedDrafts[assignmentID] = text }

    func recordDraft(promptID: Int64, drafter: DraftAuthor, text: String) throws -> Int64 {
        let id = Int64(500 + recordedDrafts.count)
        recordedDrafts.append((id, promptID, drafter, text))
        return id
    }

    func recordCritique(promptID: Int64, responseID: Int64, drafter: DraftAuthor, text: String) throws {
        recordedCritiques.append((responseID, text))
    }

    func undoLastSubmission() throws -> String? {
        lock.lock()
        defer { lock.unlock() }
        guard let last = history.popLast() else { return nil }
        switch last {
        case "ranking": return "ranking of prompt #\(submittedRankings.removeLast().promptID)"
        case "comparison": return "comparison of prompt #\(submittedComparisons.removeLast().promptID)"
        default: return "demonstration of prompt #\(submittedDemonstrations.removeLast().promptID)"
        }
    }

    func reviewSummary() throws -> ReviewSummary {
        ReviewSummary(
            labelers: [.init(name: "ada", demonstrations: 1, rankings: 2, comparisons: 0)],
            agreement: [("pairwise ranking agreement", "75.0 % over 4 pairs")],
            flagged: [
                .init(
                    promptID: 7, kind: "harmful", labeler: "bob", note: nil,
                    promptPreview: "how do I pick a lock")
            ])
    }
}

/// An error a test double throws.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A drafter that answers at once with fixed text (the protocol's real implementations are tested apart).
struct FixedDrafter: Drafter {
    var author: DraftAuthor { .endpoint(model: "fixed") }
    func draft(conversation: [ChatTurn], instructions: String, variant: Int) async throws -> String {
        "Draft \(variant + 1) first paragraph.\n\nDraft \(variant + 1) second paragraph."
    }
    func critique(response: String, conversation: [ChatTurn], instructions: String) async throws -> String {
        "Critique of: \(response.prefix(10))"
    }
}

extension InMemoryLabelingService {
    static func sample() -> InMemoryLabelingService {
        let service = InMemoryLabelingService()
        service.seenVersions = [3]
        service.demonstrations = [
            DemonstrationItem(
                assignmentID: 1001, promptID: 1, conversation: [ChatTurn(role: .user, text: "Say hello politely.")]),
            DemonstrationItem(
                assignmentID: 1002, promptID: 2,
                conversation: [
                    ChatTurn(role: .user, text: "What is 2+2?"), ChatTurn(role: .assistant, text: "5"),
                    ChatTurn(role: .user, text: "Are you sure?"),
                ]),
        ]
        service.rankings = [
            RankingItem(
                assignmentID: 1010, promptID: 10, conversation: [ChatTurn(role: .user, text: "Name a colour.")],
                responses: [
                    ShownResponse(responseID: 100, text: "Red.", critique: "Correct and concise."),
                    ShownResponse(responseID: 101, text: "赤 (red) 🙂"),
                    ShownResponse(responseID: 102, text: "I cannot help with that."),
                    ShownResponse(responseID: 103, text: "Blue\u{1B}[2J is a colour."),
                ])
        ]
        service.comparisons = [
            ComparisonItem(
                assignmentID: 1020, promptID: 20, conversation: [ChatTurn(role: .user, text: "Pick one.")],
                first: ShownResponse(responseID: 200, text: "Left answer"),
                second: ShownResponse(responseID: 201, text: "Right answer"))
        ]
        service.arenaBattles = [
            (
                ArenaItem(
                    battleID: 30, promptID: 31, conversation: [ChatTurn(role: .user, text: "What is 6 times 7?")],
                    left: "It is 42.", right: "Perhaps 41\u{1B}[2J."),
                ArenaReveal(leftModel: "sft-1", rightModel: "dpo-1")
            ),
            (
                ArenaItem(
                    battleID: 32, promptID: 33, conversation: [ChatTurn(role: .user, text: "Spell cat backwards.")],
                    left: "tac", right: "tca"),
                ArenaReveal(leftModel: "dpo-1", rightModel: "base")
            ),
        ]
        return service
    }
}
