import Foundation
import GRDB

/// How to import a file.
public struct ImportOptions: Sendable {
    /// What the file holds.
    public var kind: ImportKind
    /// For preference files: which format to read (`auto` detects per line).
    public var preferenceFormat: PreferenceFormat
    /// Import the good lines and report the bad ones instead of failing the whole import.
    public var skipBadLines: Bool
    /// The split for prompts whose line does not name one.
    public var defaultSplit: Split
    /// Recorded as the `source` of every new row; the file name when nil.
    public var source: String?

    public init(
        kind: ImportKind, preferenceFormat: PreferenceFormat = .auto, skipBadLines: Bool = false,
        defaultSplit: Split = .train, source: String? = nil
    ) {
        self.kind = kind
        self.preferenceFormat = preferenceFormat
        self.skipBadLines = skipBadLines
        self.defaultSplit = defaultSplit
        self.source = source
    }
}

/// A whole import file, read and validated, ready to write in one transaction.
///
/// Parsing happens before the database is opened, so a bad line leaves the database untouched:
/// ```swift
/// let parsed = try ParsedImport.read(file, options: ImportOptions(kind: .prefs))  // throws LineError
/// let summary = try workspace.openDatabase().write(parsed)
/// ```
public struct ParsedImport: Sendable {
    /// The file as the user named it.
    public let fileName: String
    public let options: ImportOptions
    /// How many non-blank lines were read.
    public let lineCount: Int
    /// Lines that were wrong (only when skipping bad lines; otherwise reading throws the first).
    public let badLines: [LineError]
    let records: [ImportRecord]

    /// Reads and validates every line of `url`.
    ///
    /// - Parameter displayName: how to name the file in errors (defaults to its path as given).
    /// - Throws: the first ``LineError`` unless `options.skipBadLines`; ``StoreError`` when unreadable.
    public static func read(_ url: URL, displayName: String? = nil, options: ImportOptions) throws -> ParsedImport {
        let name = displayName ?? url.relativePath
        var records: [ImportRecord] = []
        var badLines: [LineError] = []
        var lineCount = 0
        try JSONLReader(url: url).forEachLine { number, bytes in
            lineCount += 1
            do {
                records.append(
                    try ImportLineParser.parse(bytes, kind: options.kind, format: options.preferenceFormat))
            } catch let problem as LineProblem {
                let error = LineError(file: name, line: number, message: problem.message)
                guard options.skipBadLines else { throw error }
                badLines.append(error)
            }
        }
        if records.isEmpty && badLines.isEmpty {
            throw StoreError.invalid("\(name): the file has no lines to import")
        }
        return ParsedImport(
            fileName: name, options: options, lineCount: lineCount, badLines: badLines, records: records)
    }

    /// The source recorded on new rows.
    var source: String { options.source ?? URL(fileURLWithPath: fileName).lastPathComponent }
}

/// What an import did.
public struct ImportSummary: Codable, Hashable, Sendable {
    public var file: String
    public var linesRead = 0
    public var linesImported = 0
    public var badLines: [String] = []
    public var promptsAdded = 0
    /// Lines whose prompt was already known (by normalized hash) and was merged rather than duplicated.
    public var promptsMerged = 0
    public var responsesAdded = 0
    public var responsesMerged = 0
    public var pairsAdded = 0
    /// Pairs already imported before (same prompt, chosen and rejected), not added again.
    public var pairsDuplicate = 0
    public var tasksAdded = 0
    /// Lines per detected format (`trl-standard`, `trl-conversational`, `trl-implicit`, `hh`).
    public var formats: [String: Int] = [:]

    /// A short human-readable report.
    public var text: String {
        var lines = ["\(file): \(linesImported) of \(linesRead) lines imported"]
        lines.append("  prompts: \(promptsAdded) new, \(promptsMerged) merged with existing prompts")
        if responsesAdded + responsesMerged > 0 {
            lines.append("  responses: \(responsesAdded) new, \(responsesMerged) already known")
        }
        if pairsAdded + pairsDuplicate > 0 {
            lines.append("  preference pairs: \(pairsAdded) new, \(pairsDuplicate) already imported")
        }
        if !formats.isEmpty {
            lines.append("  formats: " + formats.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                .joined(separator: ", "))
        }
        if tasksAdded > 0 { lines.append("  labeling tasks queued: \(tasksAdded)") }
        if !badLines.isEmpty {
            lines.append("  skipped \(badLines.count) bad lines:")
            lines += badLines.map { "    \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}

extension TallyDatabase {
    /// Writes a validated import in ONE transaction: all of it lands, or nothing does.
    public func write(_ parsed: ParsedImport) throws -> ImportSummary {
        try write { db in
            var writer = try ImportWriter(db: db, source: parsed.source, overlap: try Settings.overlapTarget(db))
            var summary = ImportSummary(file: parsed.fileName)
            summary.linesRead = parsed.lineCount
            summary.badLines = parsed.badLines.map(\.description)
            for record in parsed.records {
                try writer.write(record, defaultSplit: parsed.options.defaultSplit, into: &summary)
                summary.linesImported += 1
            }
            return summary
        }
    }

    /// Reads, validates, then writes `url` (see ``ParsedImport/read(_:displayName:options:)``).
    public func importFile(_ url: URL, options: ImportOptions) throws -> ImportSummary {
        try write(try ParsedImport.read(url, options: options))
    }
}

/// Writes import records with cached statements and in-memory lookups of what this import added.
struct ImportWriter {
    let db: Database
    let source: String
    let overlap: Int
    let now = Date.nowTimestamp
    private var promptIDs: [String: Int64] = [:]
    private var responseIDs: [ResponseKey: Int64] = [:]

    private struct ResponseKey: Hashable {
        let promptID: Int64
        let textHash: String
    }

    private let insertResponse: Statement
    private let insertComparison: Statement

    init(db: Database, source: String, overlap: Int) throws {
        self.db = db
        self.source = source
        self.overlap = overlap
        insertResponse = try db.makeStatement(sql: """
            INSERT INTO response (promptId, text, textHash, origin, source, createdAt)
            VALUES (?, ?, ?, 'model', ?, ?)
            """)
        insertComparison = try db.makeStatement(sql: """
            INSERT INTO comparison (promptId, responseAId, responseBId, outcome, source, createdAt)
            VALUES (?, ?, ?, 'A', ?, ?)
            """)
    }

    mutating func write(_ record: ImportRecord, defaultSplit: Split, into summary: inout ImportSummary) throws {
        switch record {
        case .prompt(let content, let split):
            let (promptID, isNew) = try prompt(content, split: split ?? defaultSplit, summary: &summary)
            if isNew {
                try Queue.insertTask(db, kind: .demonstration, promptID: promptID, overlap: overlap, now: now)
                summary.tasksAdded += 1
            }
        case .pair(let content, let chosen, let rejected, let format):
            summary.formats[format, default: 0] += 1
            let (promptID, promptIsNew) = try prompt(content, split: defaultSplit, summary: &summary)
            let chosen = try response(chosen, promptID: promptID, promptIsNew: promptIsNew, summary: &summary)
            let rejected = try response(rejected, promptID: promptID, promptIsNew: promptIsNew, summary: &summary)
            // A pair with a new response cannot have been imported before.
            if !chosen.isNew && !rejected.isNew {
                let existing = try Int64.fetchOne(
                    db.cachedStatement(sql: """
                        SELECT id FROM comparison WHERE responseAId = ? AND responseBId = ? AND labelerId IS NULL
                        """), arguments: [chosen.id, rejected.id])
                if existing != nil {
                    summary.pairsDuplicate += 1
                    return
                }
            }
            try insertComparison.execute(arguments: [promptID, chosen.id, rejected.id, source, now])
            summary.pairsAdded += 1
        case .candidates(let content, let texts, let split):
            let (promptID, promptIsNew) = try prompt(content, split: split ?? defaultSplit, summary: &summary)
            let before = summary.responsesAdded
            var responseIDs: [Int64] = []
            for text in texts {
                let id = try response(text, promptID: promptID, promptIsNew: promptIsNew, summary: &summary).id
                if !responseIDs.contains(id) { responseIDs.append(id) }
            }
            // Re-importing the same candidates must not queue them twice.
            if summary.responsesAdded > before && responseIDs.count >= 2 {
                let taskID = try Queue.insertTask(db, kind: .ranking, promptID: promptID, overlap: overlap, now: now)
                try Queue.attach(db, responses: responseIDs, to: taskID)
                summary.tasksAdded += 1
            }
        }
    }

    /// The id of the prompt with `content`'s normalized hash, inserting it when new.
    private mutating func prompt(_ content: PromptContent, split: Split, summary: inout ImportSummary) throws
        -> (id: Int64, isNew: Bool)
    {
        let hash = ContentHash.promptHash(content)
        if let id = promptIDs[hash] {
            summary.promptsMerged += 1
            return (id, false)
        }
        if let id = try PromptStore.insertIfNew(db, content: content, source: source, split: split, hash: hash, now: now)
        {
            promptIDs[hash] = id
            summary.promptsAdded += 1
            return (id, true)
        }
        guard let id = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT id FROM prompt WHERE contentHash = ?"), arguments: [hash])
        else { throw StoreError.notFound("prompt with hash \(hash)") }
        promptIDs[hash] = id
        summary.promptsMerged += 1
        return (id, false)
    }

    /// The id of `text` as an imported (model-origin, no checkpoint) response to `promptID`, inserting
    /// it when new. Responses to a prompt this import created are only looked up in memory.
    private mutating func response(_ text: String, promptID: Int64, promptIsNew: Bool, summary: inout ImportSummary)
        throws -> (id: Int64, isNew: Bool)
    {
        let key = ResponseKey(promptID: promptID, textHash: ContentHash.sha256Hex(text))
        if let id = responseIDs[key] {
            summary.responsesMerged += 1
            return (id, false)
        }
        if !promptIsNew, let id = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT id FROM response WHERE promptId = ? AND textHash = ? LIMIT 1"),
            arguments: [promptID, key.textHash])
        {
            responseIDs[key] = id
            summary.responsesMerged += 1
            return (id, false)
        }
        try insertResponse.execute(arguments: [promptID, text, key.textHash, source, now])
        let id = db.lastInsertedRowID
        responseIDs[key] = id
        summary.responsesAdded += 1
        return (id, true)
    }
}
