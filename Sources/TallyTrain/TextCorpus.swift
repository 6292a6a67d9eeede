import Foundation
import TallyEngine
import TallyIO
import TallyStore

/// A pretraining corpus: documents read from a UTF-8 text file (the whole file is one stream; documents inside
/// it may be separated by `<|endoftext|>`) or from a JSONL file with one `{"text": ...}` object per line.
///
/// ```swift
/// let corpus = try TextCorpus.load(from: URL(fileURLWithPath: "corpus.jsonl"))
/// let tokens = corpus.tokenIDs(with: tokenizer)   // documents joined by <|endoftext|>
/// ```
public struct TextCorpus: Sendable {
    /// The documents, in file order.
    public var documents: [String]
    /// Hex SHA-256 of the file's bytes: a resumed run checks it reads the same corpus.
    public var sha256: String
    /// The file's name as the user gave it, for messages.
    public var displayName: String

    /// Makes a corpus from documents already in memory.
    public init(documents: [String], sha256: String = "", displayName: String = "corpus") {
        self.documents = documents
        self.sha256 = sha256
        self.displayName = displayName
    }

    /// Reads `url`: JSONL when its name ends in `.jsonl`, plain text otherwise.
    ///
    /// Throws a `LineError` (`corpus.jsonl:17: "text" is missing`) for a bad JSONL line and a
    /// ``TrainingError`` for an unreadable, non-UTF-8 or empty file.
    public static func load(from url: URL, displayName: String? = nil) throws -> TextCorpus {
        let name = displayName ?? url.path
        let data: Data
        do {
            data = try DurableFile.read(url)
        } catch let error as FileError {
            throw TrainingError(FileError(path: name, problem: error.problem, advice: error.advice).description)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TrainingError("\(name): is not valid UTF-8 text; convert it to UTF-8 first")
        }
        let documents = url.pathExtension.lowercased() == "jsonl" ? try jsonDocuments(data, name: name) : [text]
        guard documents.contains(where: { !$0.isEmpty }) else {
            throw TrainingError("\(name): holds no text to train on")
        }
        return TextCorpus(documents: documents, sha256: CheckpointManifest.sha256Hex(data), displayName: name)
    }

    private static func jsonDocuments(_ data: Data, name: String) throws -> [String] {
        var documents: [String] = []
        try JSONLinesReader.forEachObject(in: [UInt8](data), name: name) { _, object in
            guard let value = object["text"] else { throw LineProblem("\"text\" is missing") }
            guard let document = value.stringValue else { throw LineProblem("\"text\" is not a string") }
            documents.append(document)
        }
        return documents
    }

    /// All documents as one text with `<|endoftext|>` between them, for training a tokenizer.
    public var joinedText: String { documents.joined(separator: ChatTemplate.endOfText) }

    /// The token stream to train on: each document's tokens followed by `<|endoftext|>` when the tokenizer has
    /// it. Special tokens written in the text (e.g. `<|endoftext|>` between documents of a text file) count.
    public func tokenIDs(with tokenizer: BPETokenizer) -> [Int32] {
        let separator = tokenizer.id(of: ChatTemplate.endOfText).map { Int32($0) }
        var stream: [Int32] = []
        for document in documents where !document.isEmpty {
            stream.append(contentsOf: tokenizer.encode(document).map { Int32($0) })
            if let separator { stream.append(separator) }
        }
        return stream
    }
}

/// A training failure, printed as is: what is wrong and what to do.
public struct TrainingError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
