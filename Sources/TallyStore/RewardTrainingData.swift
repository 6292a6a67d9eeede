import Foundation
import GRDB

/// One labeled judgement of several responses to a prompt, as a reward model learns from it: a ranking's tiers
/// (best first, tied responses in one tier), or a comparison won by one side (two tiers of one response each).
public struct RankedExample: Hashable, Sendable {
    /// Where the judgement comes from.
    public enum Origin: String, Hashable, Sendable {
        /// A ranking written in `tally label` or by a simulated labeler.
        case ranking
        /// A pairwise comparison written in `tally label`.
        case comparison
        /// An imported preference pair.
        case imported
    }

    public var origin: Origin
    /// The ranking's or comparison's row id.
    public var sourceID: Int64
    public var promptID: Int64
    public var prompt: PromptContent
    /// The prompt's split and source (`world` for task-world prompts).
    public var split: Split
    public var promptSource: String
    /// The response texts, indexed by `tiers`.
    public var responses: [String]
    /// Indices into `responses`, best tier first.
    public var tiers: [[Int]]
    /// The labeler's name, when a labeler wrote it.
    public var labeler: String?
    /// A comparison's strength (how clearly the winner won), usable as a Bradley–Terry margin.
    public var strength: Double?
    /// The labeler found no response acceptable.
    public var noneAcceptable: Bool

    public init(
        origin: Origin, sourceID: Int64, promptID: Int64, prompt: PromptContent, split: Split, promptSource: String,
        responses: [String], tiers: [[Int]], labeler: String? = nil, strength: Double? = nil,
        noneAcceptable: Bool = false
    ) {
        self.origin = origin
        self.sourceID = sourceID
        self.promptID = promptID
        self.prompt = prompt
        self.split = split
        self.promptSource = promptSource
        self.responses = responses
        self.tiers = tiers
        self.labeler = labeler
        self.strength = strength
        self.noneAcceptable = noneAcceptable
    }

    /// Every (better, worse) pair of response indices across different tiers: C(K,2) minus tied pairs.
    public var pairs: [(chosen: Int, rejected: Int)] {
        RankingPairs.pairs(tiers: tiers.map { $0.map(Int64.init) }).map { (Int($0.chosen), Int($0.rejected)) }
    }
}

/// One demonstration (or chosen response) as a supervised example, with its prompt's split and source.
public struct DemonstrationExample: Hashable, Sendable {
    public var promptID: Int64
    public var prompt: PromptContent
    public var completion: String
    public var split: Split
    public var promptSource: String
    /// Where it comes from: a demonstration, or the best response of a ranking or comparison.
    public var origin: String

    public init(
        promptID: Int64, prompt: PromptContent, completion: String, split: Split, promptSource: String, origin: String
    ) {
        self.promptID = promptID
        self.prompt = prompt
        self.completion = completion
        self.split = split
        self.promptSource = promptSource
        self.origin = origin
    }
}

extension TallyDatabase {
    /// Every submitted demonstration, oldest first.
    public func demonstrationExamples() throws -> [DemonstrationExample] {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT d.promptId, d.text, p.split, p.source FROM demonstration d
                    JOIN prompt p ON p.id = d.promptId ORDER BY d.id
                    """)
            let prompts = try Self.promptContents(db, ids: rows.map { $0["promptId"] })
            return rows.map { row in
                DemonstrationExample(
                    promptID: row["promptId"], prompt: prompts[row["promptId"]]!, completion: row["text"],
                    split: Split(rawValue: row["split"]) ?? .train, promptSource: row["source"],
                    origin: "demonstration")
            }
        }
    }

    /// Every ranking (with at least two tiers) and every comparison won by A or B, oldest first within each
    /// origin: rankings, then comparisons labeled in Tally, then imported pairs.
    public func rankedExamples() throws -> [RankedExample] {
        try read { db in
            var examples: [RankedExample] = []
            let entries = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.id, r.promptId, r.noneAcceptable, l.name AS labeler, p.split, p.source,
                        e.responseId, e.tier, s.text
                    FROM ranking r JOIN prompt p ON p.id = r.promptId
                    JOIN rankingEntry e ON e.rankingId = r.id JOIN response s ON s.id = e.responseId
                    LEFT JOIN labeler l ON l.id = r.labelerId
                    ORDER BY r.id, e.tier, e.responseId
                    """)
            let comparisons = try Row.fetchAll(
                db,
                sql: """
                    SELECT c.id, c.promptId, c.outcome, c.strength, c.labelerId, l.name AS labeler, p.split,
                        p.source, a.text AS textA, b.text AS textB
                    FROM comparison c JOIN prompt p ON p.id = c.promptId
                    JOIN response a ON a.id = c.responseAId JOIN response b ON b.id = c.responseBId
                    LEFT JOIN labeler l ON l.id = c.labelerId
                    WHERE c.outcome = 'A' OR c.outcome = 'B' ORDER BY c.labelerId IS NULL, c.id
                    """)
            let prompts = try Self.promptContents(
                db, ids: entries.map { $0["promptId"] } + comparisons.map { $0["promptId"] })

            var index = 0
            while index < entries.count {
                let first = entries[index]
                let rankingID: Int64 = first["id"]
                var responses: [String] = []
                var tiers: [[Int]] = []
                var lastTier = -1
                while index < entries.count, (entries[index]["id"] as Int64) == rankingID {
                    let tier: Int = entries[index]["tier"]
                    if tier != lastTier {
                        tiers.append([])
                        lastTier = tier
                    }
                    tiers[tiers.count - 1].append(responses.count)
                    responses.append(entries[index]["text"])
                    index += 1
                }
                guard tiers.count >= 2 else { continue }  // all tied: no preference to learn
                examples.append(
                    RankedExample(
                        origin: .ranking, sourceID: rankingID, promptID: first["promptId"],
                        prompt: prompts[first["promptId"]]!, split: Split(rawValue: first["split"]) ?? .train,
                        promptSource: first["source"], responses: responses, tiers: tiers, labeler: first["labeler"],
                        strength: nil, noneAcceptable: (first["noneAcceptable"] as Int) != 0))
            }
            for row in comparisons {
                let aWins = (row["outcome"] as String) == "A"
                let texts: [String] = [row["textA"], row["textB"]]
                examples.append(
                    RankedExample(
                        origin: (row["labelerId"] as Int64?) == nil ? .imported : .comparison, sourceID: row["id"],
                        promptID: row["promptId"], prompt: prompts[row["promptId"]]!,
                        split: Split(rawValue: row["split"]) ?? .train, promptSource: row["source"],
                        responses: texts, tiers: aWins ? [[0], [1]] : [[1], [0]], labeler: row["labeler"],
                        strength: row["strength"], noneAcceptable: false))
            }
            return examples
        }
    }

    private static func promptContents(_ db: Database, ids: [Int64]) throws -> [Int64: PromptContent] {
        var contents: [Int64: PromptContent] = [:]
        for id in Set(ids) { contents[id] = try PromptStore.fetch(db, id: id).content }
        return contents
    }
}
