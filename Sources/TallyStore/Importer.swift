import Foundation
import GRDB
import TallyIO

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

/// An import file whose every line was checked, ready to be written.
///
/// Checking happens before the database is opened, so a bad line leaves the database byte-identical.
/// Writing parses the file again, block by block, while it writes (see ``TallyDatabase/write(_:progress:)``),
/// so no import holds the whole file's records in memory:
/// ```swift
/// let checked = try CheckedImport.check(file, options: ImportOptions(kind: .prefs))  // throws LineError
/// let summary = try workspace.openDatabase().write(checked)
/// ```
public struct CheckedImport: Sendable {
    /// The file that is read: the one named, or for input that can be read only once, a temporary copy of
    /// it that lasts as long as this value.
    public var url: URL { temporaryCopy?.url ?? named }
    /// The file as the user named it.
    public let fileName: String
    public let options: ImportOptions
    /// How many non-blank lines were read.
    public let lineCount: Int
    private let named: URL
    let temporaryCopy: TemporaryCopy?

    /// Reads and checks every line of `url`, each block of lines split over the cores. Writing reads the file
    /// a second time, so input that can be read only once (a pipe, as in `<(zcat prefs.jsonl.gz)`) is first
    /// copied to a temporary file.
    ///
    /// - Parameters:
    ///   - displayName: how to name the file in errors (defaults to its path as given).
    ///   - progress: hears bytes read so far and the file's size, once per block of a few MiB.
    /// - Throws: the first ``LineError`` unless `options.skipBadLines`, or one about the whole file (line 0)
    ///   when it is unreadable, compressed or without a line to import; ``StoreError`` when a pipe cannot be
    ///   copied.
    public static func check(
        _ url: URL, displayName: String? = nil, options: ImportOptions, progress: ((Int64, Int64) -> Void)? = nil
    ) throws -> CheckedImport {
        let name = displayName ?? url.relativePath
        let temporaryCopy = try TemporaryCopy(ofNonRegular: url, name: name)
        var lineCount = 0
        let reader = JSONLinesReader(url: temporaryCopy?.url ?? url, name: name)
        try reader.forEachBlock(progress: progress) { firstLine, block in
            let parsed = ParsedBlock(block, firstLine: firstLine, name: name, options: options, keepRecords: false)
            lineCount += parsed.lineCount
            if let bad = parsed.badLineEndingImport(options) { throw bad }
        }
        if lineCount == 0 { throw ParsedBlock.emptyFile(name) }
        return CheckedImport(
            fileName: name, options: options, lineCount: lineCount, named: url, temporaryCopy: temporaryCopy)
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
    /// Preference lines whose two conversations part ways before their last answer: the turns they share
    /// are the prompt and each side's remaining turns its response (see ``ResponseContent``).
    public var pairsOfSeveralTurns = 0

    /// Counts a parsed block's lines, bad lines and formats.
    mutating func count(_ block: ParsedBlock) {
        linesRead += block.lineCount
        badLines += block.badLines.map(\.description)
        formats.merge(block.formats, uniquingKeysWith: +)
        pairsOfSeveralTurns += block.pairsOfSeveralTurns
    }

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
            lines.append(
                "  formats: "
                    + formats.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                    .joined(separator: ", "))
        }
        if pairsOfSeveralTurns > 0 {
            lines.append(
                "  \(pairsOfSeveralTurns) pairs part ways before their last answer: the shared turns are the prompt, "
                    + "each response keeps its remaining turns")
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
    /// Writes a checked import file in ONE transaction: all of it lands, or nothing does. The file is parsed
    /// again on another thread, a few blocks ahead of the one being written. Should it have changed since
    /// it was checked, a bad line throws its ``LineError`` and rolls back everything written before it.
    ///
    /// - Parameter progress: hears how many bytes of the file are written and its size, once per block of a
    ///   few MiB.
    public func write(_ checked: CheckedImport, progress: ((Int64, Int64) -> Void)? = nil) throws -> ImportSummary {
        let options = checked.options
        let name = checked.fileName
        let blocks = try ParsedBlockStream(url: checked.url, name: name, options: options)
        defer { blocks.stop() }
        return try write { db in
            var writer = try ImportWriter(
                db: db, source: checked.source, overlap: try Settings.overlapTarget(db),
                expectedRecords: checked.lineCount)
            var summary = ImportSummary(file: name)
            while let (block, bytesRead, fileSize) = try blocks.next() {
                summary.count(block)
                if let bad = block.badLineEndingImport(options) { throw bad }
                for record in block.records {
                    try writer.write(record, defaultSplit: options.defaultSplit, into: &summary)
                    summary.linesImported += 1
                }
                progress?(bytesRead, fileSize)
            }
            // Every line read is a record or a bad line.
            if summary.linesRead == 0 { throw ParsedBlock.emptyFile(name) }
            try writer.flush()
            return summary
        }
    }

    /// Checks, then writes `url` (see ``CheckedImport/check(_:displayName:options:progress:)``).
    public func importFile(_ url: URL, displayName: String? = nil, options: ImportOptions) throws -> ImportSummary {
        try write(try CheckedImport.check(url, displayName: displayName, options: options))
    }
}

/// An import record with its hashes computed (on the parsing workers, off the write path).
struct PreparedRecord {
    let record: ImportRecord
    let promptHash: ContentHash.Digest
    /// `promptHash` as the bytes stored in `prompt.contentHash`.
    let promptHashData: Data
    /// The chosen and rejected answers' digests, or the candidates', in order.
    let responseDigests: [ContentHash.Digest]

    init(_ record: ImportRecord) {
        self.record = record
        switch record {
        case .prompt(let content, _):
            promptHash = ContentHash.promptHash(content)
            responseDigests = []
        case .pair(let content, let chosen, let rejected, _):
            promptHash = ContentHash.promptHash(content)
            responseDigests = [ContentHash.digest(chosen.text), ContentHash.digest(rejected.text)]
        case .candidates(let content, let texts, _):
            promptHash = ContentHash.promptHash(content)
            responseDigests = texts.map(ContentHash.digest)
        }
        promptHashData = promptHash.data
    }
}

/// Writes import records with prepared statements and in-memory lookups of what this import added.
struct ImportWriter {
    let db: Database
    let source: String
    let overlap: Int
    let now = Date.nowTimestamp
    private var promptIDs: [ContentHash.Digest: Int64] = [:]
    private var responseIDs: [ResponseKey: Int64] = [:]
    private var insertPrompt: RawInsert
    private var responses: BatchInsert
    private var comparisons: BatchInsert
    /// The write lock is ours for the whole transaction, so ids can be given out here.
    private var lastResponseID: Int64
    private var lastComparisonID: Int64

    private struct ResponseKey: Hashable {
        let promptID: Int64
        let digest: ContentHash.Digest
        /// A response of several turns is not the same response as a single answer of the same text.
        let messages: String?
    }

    init(db: Database, source: String, overlap: Int, expectedRecords: Int = 0) throws {
        // Rows go out in batches, a comparison possibly before the responses it names: check
        // foreign keys at commit (this pragma lasts until the transaction ends).
        try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
        self.db = db
        self.source = source
        self.overlap = overlap
        promptIDs.reserveCapacity(expectedRecords)
        responseIDs.reserveCapacity(2 * expectedRecords)
        insertPrompt = try RawInsert(db, sql: PromptStore.insertIfNewSQL)
        responses = try BatchInsert(
            db, into: "response (id, promptId, text, messages, textHash, origin, source, createdAt)", columnCount: 8)
        comparisons = try BatchInsert(
            db, into: "comparison (id, promptId, responseAId, responseBId, outcome, source, createdAt)",
            columnCount: 7)
        lastResponseID = try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM response") ?? 0
        lastComparisonID = try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM comparison") ?? 0
    }

    /// Writes buffered rows: responses first, since comparisons and tasks refer to them.
    mutating func flush() throws {
        try responses.flush()
        try comparisons.flush()
    }

    mutating func write(_ prepared: PreparedRecord, defaultSplit: Split, into summary: inout ImportSummary) throws {
        let digests = prepared.responseDigests
        switch prepared.record {
        case .prompt(let content, let split):
            let (promptID, isNew) = try prompt(
                content, of: prepared, split: split ?? defaultSplit, summary: &summary)
            if isNew {
                try Queue.insertTask(db, kind: .demonstration, promptID: promptID, overlap: overlap, now: now)
                summary.tasksAdded += 1
            }
        case .pair(let content, let chosen, let rejected, _):
            let (promptID, promptIsNew) = try prompt(
                content, of: prepared, split: defaultSplit, summary: &summary)
            let chosen = try response(
                chosen, digest: digests[0], promptID: promptID, promptIsNew: promptIsNew, summary: &summary)
            let rejected = try response(
                rejected, digest: digests[1], promptID: promptID, promptIsNew: promptIsNew, summary: &summary)
            // A pair with a new response cannot have been imported before.
            if !chosen.isNew && !rejected.isNew {
                try flush()  // this import's own pairs must be visible to the query
                let existing = try Int64.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT id FROM comparison WHERE responseAId = ? AND responseBId = ? AND labelerId IS NULL
                            """), arguments: [chosen.id, rejected.id])
                if existing != nil {
                    summary.pairsDuplicate += 1
                    return
                }
            }
            lastComparisonID += 1
            try comparisons.append(
                .integer(lastComparisonID), .integer(promptID), .integer(chosen.id), .integer(rejected.id),
                .text("A"), .text(source), .real(now))
            summary.pairsAdded += 1
        case .candidates(let content, let texts, let split):
            let (promptID, promptIsNew) = try prompt(
                content, of: prepared, split: split ?? defaultSplit, summary: &summary)
            let before = summary.responsesAdded
            var responseIDs: [Int64] = []
            for (text, digest) in zip(texts, digests) {
                let id = try response(
                    .text(text), digest: digest, promptID: promptID, promptIsNew: promptIsNew, summary: &summary
                ).id
                if !responseIDs.contains(id) { responseIDs.append(id) }
            }
            // Re-importing the same candidates must not queue them twice.
            if summary.responsesAdded > before && responseIDs.count >= 2 {
                try flush()
                let taskID = try Queue.insertTask(db, kind: .ranking, promptID: promptID, overlap: overlap, now: now)
                try Queue.attach(db, responses: responseIDs, to: taskID)
                summary.tasksAdded += 1
            }
        }
    }

    /// The id of the prompt with `content`'s normalized hash (computed ahead in `prepared`), inserting it
    /// when new. `isNew` is true only for the line that created it.
    private mutating func prompt(
        _ content: PromptContent, of prepared: PreparedRecord, split: Split, summary: inout ImportSummary
    ) throws -> (id: Int64, isNew: Bool) {
        let hash = prepared.promptHash
        let hashData = prepared.promptHashData
        if let id = promptIDs[hash] {
            summary.promptsMerged += 1
            return (id, false)
        }
        let (text, messages) = try PromptStore.columns(for: content)
        try insertPrompt.run(
            text.map { .text($0) } ?? .null, messages.map { .text($0) } ?? .null, .text(source),
            .text(split.rawValue), .blob(hashData), .real(now))
        if db.changesCount == 1 {
            let id = db.lastInsertedRowID
            promptIDs[hash] = id
            summary.promptsAdded += 1
            return (id, true)
        }
        guard
            let id = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT id FROM prompt WHERE contentHash = ?"), arguments: [hashData])
        else { throw StoreError.notFound("a prompt that was just merged") }
        promptIDs[hash] = id
        summary.promptsMerged += 1
        return (id, false)
    }

    /// The id of `content` as an imported (model-origin, no checkpoint) response to `promptID`, inserting
    /// it when new. Responses to a prompt this import created are only looked up in memory.
    private mutating func response(
        _ content: ResponseContent, digest: ContentHash.Digest, promptID: Int64, promptIsNew: Bool,
        summary: inout ImportSummary
    ) throws -> (id: Int64, isNew: Bool) {
        let text = content.text
        let messages = content.messagesColumn
        let key = ResponseKey(promptID: promptID, digest: digest, messages: messages)
        if let id = responseIDs[key] {
            summary.responsesMerged += 1
            return (id, false)
        }
        if !promptIsNew,
            let id = try Int64.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT id FROM response WHERE promptId = ? AND textHash = ? AND text = ? AND messages IS ?
                        LIMIT 1
                        """), arguments: [promptID, key.digest.prefix, text, messages])
        {
            responseIDs[key] = id
            summary.responsesMerged += 1
            return (id, false)
        }
        lastResponseID += 1
        let id = lastResponseID
        try responses.append(
            .integer(id), .integer(promptID), .text(text), messages.map { .text($0) } ?? .null,
            .integer(key.digest.prefix), .text("model"), .text(source), .real(now))
        responseIDs[key] = id
        summary.responsesAdded += 1
        return (id, true)
    }
}
