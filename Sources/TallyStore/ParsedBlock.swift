import Foundation
import TallyIO

/// What parsing one block of an import file's lines gave: its records (hashes computed) in file order, its
/// bad lines, and how many lines it held.
struct ParsedBlock {
    var records: [PreparedRecord] = []
    var badLines: [LineError] = []
    /// Preference lines per detected format.
    var formats: [String: Int] = [:]
    /// Preference lines whose conversations part ways before their last answer, so that a response holds
    /// several turns.
    var pairsOfSeveralTurns = 0
    /// Non-blank lines read.
    var lineCount = 0

    init() {}

    /// Parses `block` (whole lines, the first numbered `firstLine`), split in pieces over every core.
    /// Unless bad lines are skipped, a piece stops at its first bad line: the block's first bad line is
    /// then the file's first bad line in it. Without `keepRecords` the lines are only checked.
    init(
        _ block: UnsafeBufferPointer<UInt8>, firstLine: Int, name: String, options: ImportOptions,
        keepRecords: Bool = true
    ) {
        let workers = max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))
        let pieces = JSONLinesReader.split(block, into: workers)
        var results = [ParsedBlock](repeating: ParsedBlock(), count: pieces.count)
        results.withUnsafeMutableBufferPointer { slots in
            DispatchQueue.concurrentPerform(iterations: pieces.count) { piece in
                slots[piece] = ParsedBlock(
                    piece: pieces[piece].bytes, firstLine: firstLine + pieces[piece].lineOffset, name: name,
                    options: options, keepRecords: keepRecords)
            }
        }
        for result in results { append(result) }
    }

    /// Parses one piece of a block on the calling thread.
    private init(
        piece: UnsafeBufferPointer<UInt8>, firstLine: Int, name: String, options: ImportOptions, keepRecords: Bool
    ) {
        try? JSONLinesReader.forEachLine(in: piece, firstLine: firstLine) { number, line in
            lineCount += 1
            do {
                let record = try ImportLineParser.parse(line, kind: options.kind, format: options.preferenceFormat)
                if case .pair(_, let chosen, let rejected, let format) = record {
                    formats[format, default: 0] += 1
                    if !chosen.isText || !rejected.isText { pairsOfSeveralTurns += 1 }
                }
                if keepRecords { records.append(PreparedRecord(record)) }
            } catch let problem as LineProblem {
                badLines.append(LineError(file: name, line: number, problem))
                if !options.skipBadLines { throw problem }
            }
        }
    }

    /// Adds a later block's results after this one's.
    mutating func append(_ later: ParsedBlock) {
        lineCount += later.lineCount
        records += later.records
        badLines += later.badLines
        formats.merge(later.formats, uniquingKeysWith: +)
        pairsOfSeveralTurns += later.pairsOfSeveralTurns
    }

    /// The bad line that ends the import: the block's first, unless bad lines are skipped.
    func badLineEndingImport(_ options: ImportOptions) -> LineError? {
        options.skipBadLines ? nil : badLines.first
    }

    /// The error for a file without a single line to import.
    static func emptyFile(_ name: String) -> LineError {
        LineError(
            file: name, line: 0, message: "has no lines to import",
            advice: "check that it is the file you meant (blank lines are skipped)")
    }
}
