import Foundation
import GRDB

/// How `tally export sft` shapes each demonstration (TRL's SFT formats).
public enum SFTExportForm: String, CaseIterable, Sendable {
    /// `{"prompt", "completion"}`: strings when every prompt is a single text, else message lists.
    case promptCompletion = "prompt-completion"
    /// `{"messages": [… prompt turns …, {"role": "assistant", "content": demonstration}]}`.
    case messages
}

/// Which labels an export takes.
public struct ExportFilter: Sendable {
    /// Only prompts of this split (all when nil).
    public var split: Split?
    public init(split: Split? = nil) { self.split = split }
}

/// Preference export options.
public struct PreferenceExportOptions: Sendable {
    /// Per ranking, only the pairs (best tier, each lower response) instead of all C(K,2) pairs.
    public var bestVersusRest = false
    /// Leave out rankings whose labeler marked every response unacceptable.
    public var excludeNoneAcceptable = false
    public var filter = ExportFilter()
    public init(
        bestVersusRest: Bool = false, excludeNoneAcceptable: Bool = false, filter: ExportFilter = ExportFilter()
    ) {
        self.bestVersusRest = bestVersusRest
        self.excludeNoneAcceptable = excludeNoneAcceptable
        self.filter = filter
    }
}

/// One chosen/rejected pair, as exported.
public struct PreferencePair: Hashable, Sendable {
    public var promptID: Int64
    public var chosenID: Int64
    public var rejectedID: Int64
}

extension TallyDatabase {
    /// Every preference pair: each ranking expanded into its ordered pairs (tied pairs dropped), then
    /// each comparison whose outcome is A or B. Ties and "both bad" give no pair.
    public func preferencePairs(_ options: PreferenceExportOptions = PreferenceExportOptions()) throws
        -> [PreferencePair]
    {
        try read { db in try Self.preferencePairs(db, options) }
    }

    static func preferencePairs(_ db: Database, _ options: PreferenceExportOptions) throws -> [PreferencePair] {
        var pairs: [PreferencePair] = []
        let splitClause = options.filter.split == nil ? "" : " AND p.split = :split"
        let arguments: StatementArguments = ["split": options.filter.split?.rawValue]
        let comparisons = try Row.fetchCursor(
            db,
            sql: """
                SELECT c.promptId, c.responseAId, c.responseBId, c.outcome FROM comparison c
                JOIN prompt p ON p.id = c.promptId WHERE c.outcome IN ('A', 'B')\(splitClause) ORDER BY c.id
                """, arguments: arguments)
        while let row = try comparisons.next() {
            let a: Int64 = row["responseAId"]
            let b: Int64 = row["responseBId"]
            let aWins = (row["outcome"] as String) == "A"
            pairs.append(PreferencePair(promptID: row["promptId"], chosenID: aWins ? a : b, rejectedID: aWins ? b : a))
        }
        let noneClause = options.excludeNoneAcceptable ? " AND r.noneAcceptable = 0" : ""
        let entries = try Row.fetchCursor(
            db,
            sql: """
                SELECT r.id, r.promptId, e.responseId, e.tier FROM ranking r
                JOIN prompt p ON p.id = r.promptId JOIN rankingEntry e ON e.rankingId = r.id
                WHERE 1\(splitClause)\(noneClause) ORDER BY r.id, e.tier, e.responseId
                """, arguments: arguments)
        var currentRanking: Int64 = -1
        var currentPrompt: Int64 = -1
        var tiers: [[Int64]] = []
        func flushRanking() {
            pairs += RankingPairs.pairs(tiers: tiers, bestVersusRest: options.bestVersusRest).map {
                PreferencePair(promptID: currentPrompt, chosenID: $0.chosen, rejectedID: $0.rejected)
            }
        }
        var lastTier = -1
        while let row = try entries.next() {
            let rankingID: Int64 = row["id"]
            if rankingID != currentRanking {
                flushRanking()
                currentRanking = rankingID
                currentPrompt = row["promptId"]
                tiers = []
                lastTier = -1
            }
            let tier: Int = row["tier"]
            if tier != lastTier {
                tiers.append([])
                lastTier = tier
            }
            tiers[tiers.count - 1].append(row["responseId"])
        }
        flushRanking()
        return pairs
    }

    /// Writes preference pairs in TRL's format: `{"prompt", "chosen", "rejected"}` as strings when every
    /// prompt is a single text, else as message lists (conversational). Returns the number of pairs.
    @discardableResult
    public func exportPreferences(to url: URL, options: PreferenceExportOptions = PreferenceExportOptions()) throws
        -> Int
    {
        try read { db in
            let pairs = try Self.preferencePairs(db, options)
            let cache = try ExportCache(
                db: db, promptIDs: pairs.map(\.promptID), responseIDs: pairs.flatMap { [$0.chosenID, $0.rejectedID] })
            let writer = try JSONLWriter(url: url)
            do {
                for pair in pairs {
                    let prompt = try cache.prompt(pair.promptID)
                    let chosen = try cache.response(pair.chosenID)
                    let rejected = try cache.response(pair.rejectedID)
                    try writer.writeLine([
                        ("prompt", cache.promptJSON(prompt)),
                        ("chosen", cache.completionJSON(chosen)),
                        ("rejected", cache.completionJSON(rejected)),
                    ])
                }
                try writer.finish()
            } catch {
                writer.abandon()
                throw error
            }
            return pairs.count
        }
    }

    /// Writes demonstrations in TRL's SFT format. Returns the number of lines.
    @discardableResult
    public func exportSFT(to url: URL, form: SFTExportForm = .promptCompletion, filter: ExportFilter = ExportFilter())
        throws -> Int
    {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT d.promptId, d.text FROM demonstration d JOIN prompt p ON p.id = d.promptId
                    WHERE (:split IS NULL OR p.split = :split) ORDER BY d.id
                    """, arguments: ["split": filter.split?.rawValue])
            let cache = try ExportCache(db: db, promptIDs: rows.map { $0["promptId"] })
            let writer = try JSONLWriter(url: url)
            do {
                for row in rows {
                    let prompt = try cache.prompt(row["promptId"])
                    let text: String = row["text"]
                    switch form {
                    case .promptCompletion:
                        try writer.writeLine([
                            ("prompt", cache.promptJSON(prompt)), ("completion", cache.completionJSON(.text(text))),
                        ])
                    case .messages:
                        let turns = prompt.content.asMessages + [Message(role: "assistant", content: text)]
                        try writer.writeLine([("messages", .messages(turns))])
                    }
                }
                try writer.finish()
            } catch {
                writer.abandon()
                throw error
            }
            return rows.count
        }
    }

    /// Writes every ranking with its tiers kept:
    /// `{"prompt", "responses": [best first], "tiers": [[indices into responses]…], "none_acceptable",
    /// "labeler", "instruction_version", "seconds_spent"}`. Returns the number of rankings.
    @discardableResult
    public func exportRankings(to url: URL, filter: ExportFilter = ExportFilter()) throws -> Int {
        try read { db in
            let rankings = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.id, r.promptId, r.noneAcceptable, r.secondsSpent, l.name AS labeler, i.hash
                    FROM ranking r JOIN prompt p ON p.id = r.promptId
                    LEFT JOIN labeler l ON l.id = r.labelerId
                    LEFT JOIN instructionVersion i ON i.id = r.instructionVersionId
                    WHERE (:split IS NULL OR p.split = :split) ORDER BY r.id
                    """, arguments: ["split": filter.split?.rawValue])
            let cache = try ExportCache(db: db, promptIDs: rankings.map { $0["promptId"] })
            let writer = try JSONLWriter(url: url)
            do {
                for ranking in rankings {
                    let entries = try Row.fetchAll(
                        db,
                        sql: """
                            SELECT e.tier, r.text FROM rankingEntry e JOIN response r ON r.id = e.responseId
                            WHERE e.rankingId = ? ORDER BY e.tier, e.responseId
                            """, arguments: [ranking["id"]])
                    var tiers: [[JSONValue]] = []
                    var lastTier = -1
                    for (index, entry) in entries.enumerated() {
                        let tier: Int = entry["tier"]
                        if tier != lastTier {
                            tiers.append([])
                            lastTier = tier
                        }
                        tiers[tiers.count - 1].append(.integer(Int64(index)))
                    }
                    let seconds: Double? = ranking["secondsSpent"]
                    let labeler: String? = ranking["labeler"]
                    let hash: String? = ranking["hash"]
                    try writer.writeLine([
                        ("prompt", cache.promptJSON(try cache.prompt(ranking["promptId"]))),
                        ("responses", .array(entries.map { .string($0["text"]) })),
                        ("tiers", .array(tiers.map { .array($0) })),
                        ("none_acceptable", .bool(ranking["noneAcceptable"])),
                        ("labeler", labeler.map { .string($0) } ?? .null),
                        ("instruction_version", hash.map { .string($0) } ?? .null),
                        ("seconds_spent", seconds.map { .number($0) } ?? .null),
                    ])
                }
                try writer.finish()
            } catch {
                writer.abandon()
                throw error
            }
            return rankings.count
        }
    }

    /// Writes prompts as TRL prompt-only lines `{"prompt", "split"}` (a string when every prompt is a
    /// single text, else a message list). Returns the number of prompts.
    @discardableResult
    public func exportPrompts(to url: URL, filter: ExportFilter = ExportFilter()) throws -> Int {
        try read { db in
            let ids = try Int64.fetchAll(
                db, sql: "SELECT id FROM prompt WHERE (:split IS NULL OR split = :split) ORDER BY id",
                arguments: ["split": filter.split?.rawValue])
            let cache = try ExportCache(db: db, promptIDs: ids)
            let writer = try JSONLWriter(url: url)
            do {
                for id in ids {
                    let prompt = try cache.prompt(id)
                    try writer.writeLine([
                        ("prompt", cache.promptJSON(prompt)), ("split", .string(prompt.split.rawValue)),
                    ])
                }
                try writer.finish()
            } catch {
                writer.abandon()
                throw error
            }
            return ids.count
        }
    }
}

/// Prompts and responses an export needs, and the one shape (standard or conversational) that every line
/// of a file must share so that `datasets` can load it.
struct ExportCache {
    let db: Database
    private var prompts: [Int64: Prompt] = [:]
    private var responses: [Int64: ResponseContent] = [:]
    /// True when every exported prompt is a single text and every exported response a single answer: the
    /// standard (string) format. A response of several turns needs the conversational format, where it is
    /// written turn for turn.
    let standard: Bool

    init(db: Database, promptIDs: [Int64], responseIDs: [Int64] = []) throws {
        self.db = db
        var allText = true
        for id in Set(promptIDs) {
            let prompt = try PromptStore.fetch(db, id: id)
            prompts[id] = prompt
            if !prompt.content.isText { allText = false }
        }
        for id in Set(responseIDs) {
            let response = try TallyDatabase.responseContent(db, id: id)
            responses[id] = response
            if !response.isText { allText = false }
        }
        standard = allText
    }

    func prompt(_ id: Int64) throws -> Prompt {
        guard let prompt = prompts[id] else { throw StoreError.notFound("prompt \(id)") }
        return prompt
    }

    /// A response's text (a response of several turns laid out as its `text` column holds it), read as needed:
    /// what the trainers read, without decoding turns they do not use.
    func responseText(_ id: Int64) throws -> String {
        guard
            let text = try String.fetchOne(
                db.cachedStatement(sql: "SELECT text FROM response WHERE id = ?"), arguments: [id])
        else { throw StoreError.notFound("response \(id)") }
        return text
    }

    /// A response given in `responseIDs`.
    func response(_ id: Int64) throws -> ResponseContent {
        guard let response = responses[id] else { throw StoreError.notFound("response \(id)") }
        return response
    }

    func promptJSON(_ prompt: Prompt) -> JSONValue {
        if standard, case .text(let text) = prompt.content { return .string(text) }
        return .messages(prompt.content.asMessages)
    }

    func completionJSON(_ response: ResponseContent) -> JSONValue {
        standard ? .string(response.text) : .messages(response.asMessages)
    }
}

/// The preference pairs a ranking implies.
public enum RankingPairs {
    /// For tiers best first: every (better, worse) pair across different tiers — C(K,2) minus tied
    /// pairs — or with `bestVersusRest`, only the pairs whose better side is in the top tier.
    public static func pairs(tiers: [[Int64]], bestVersusRest: Bool = false) -> [(chosen: Int64, rejected: Int64)] {
        var pairs: [(chosen: Int64, rejected: Int64)] = []
        for upper in tiers.indices {
            if bestVersusRest && upper > 0 { break }
            for lower in tiers.indices where lower > upper {
                for chosen in tiers[upper] {
                    for rejected in tiers[lower] { pairs.append((chosen, rejected)) }
                }
            }
        }
        return pairs
    }
}
