import ArgumentParser
import Foundation
import TallyWorld

/// `tally world corpus`: the pretraining corpus of world-style documents.
struct WorldCorpusCommand: ParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case jsonl, text
    }

    static let configuration = CommandConfiguration(
        commandName: "corpus",
        abstract: "Write pretraining documents: transcripts that ramble, answer wrongly or run on, and fact sheets.",
        discussion: """
            jsonl writes one {"text": ...} object per line; text writes the documents separated by \
            <|endoftext|> lines. Only train-split prompts appear. Example:
              tally world corpus --out corpus.jsonl --documents 20000 --seed 1
            """
    )

    @Option(help: "The output file.")
    var out: String

    @Option(help: "How many documents.")
    var documents: Int = 10_000

    @Option(help: "The seed that fixes the documents.")
    var seed: UInt64 = 1

    @Option(help: "jsonl or text.")
    var format: Format = .jsonl

    func validate() throws {
        guard documents > 0 else { throw ValidationError("--documents must be at least 1 (got \(documents))") }
    }

    func run() throws {
        var generator = CorpusGenerator(seed: seed)
        let writer = try WorldLineWriter(path: out)
        let progress = ProgressLine("corpus", total: documents, unit: "documents")
        for index in 0..<documents {
            let document = generator.nextDocument()
            switch format {
            case .jsonl: try writer.write(WorldOutput.jsonObject([("text", document)]))
            case .text: try writer.write(document + "\n<|endoftext|>")
            }
            progress.update(index + 1)
        }
        progress.finish()
        try writer.finish()
        TerminalText.printError("wrote \(documents) documents to \(out)")
    }
}
