import ArgumentParser
import Foundation
import TallyEngine
import TallyIO

/// `tally tokenizer ...`: train and try byte-level BPE tokenizers.
struct TokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer",
        abstract: "Train and inspect byte-level BPE tokenizers (Hugging Face tokenizer.json).",
        subcommands: [Train.self, Encode.self]
    )

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Learn a byte-level BPE tokenizer from a UTF-8 text corpus.",
            discussion: """
                The vocabulary starts with the special tokens <|endoftext|>, <|im_start|>, <|im_end|> (ids 0, 1, 2) \
                and the 256 byte symbols, then adds the most frequent merges until it has --vocab-size tokens. \
                The result is a tokenizer.json that Hugging Face `tokenizers` and `transformers` load as is. \
                Training is deterministic: the same corpus gives the same file.

                Example: tally tokenizer train --corpus corpus.txt --vocab-size 2048 --out tokenizer.json
                """
        )

        @Option(help: "The UTF-8 text file to learn from.")
        var corpus: String

        @Option(
            help: ArgumentHelp(
                "Tokens in the vocabulary, including 3 special tokens and 256 byte symbols "
                    + "(at least \(Train.minimumVocabularySize))."))
        var vocabSize: Int

        @Option(help: "Where to write tokenizer.json.")
        var out: String = "tokenizer.json"

        @Option(help: "Merge only pairs seen at least this many times.")
        var minPairCount: Int = 2

        /// The smallest vocabulary: the special tokens and the 256 byte symbols, without any merge.
        static let minimumVocabularySize = BPETrainer.defaultSpecialTokens.count + 256

        /// Throws unless `size` (from --vocab-size, here or in `tally pretrain`) is at least the minimum.
        static func validateVocabularySize(_ size: Int) throws {
            guard size >= minimumVocabularySize else {
                throw ValidationError(
                    "--vocab-size must be at least \(minimumVocabularySize) "
                        + "(\(BPETrainer.defaultSpecialTokens.count) special tokens and 256 byte symbols)")
            }
        }

        func validate() throws {
            try Self.validateVocabularySize(vocabSize)
            guard minPairCount >= 1 else { throw ValidationError("--min-pair-count must be at least 1") }
        }

        func run() throws {
            let corpusURL = URL(fileURLWithPath: corpus)
            let data = try DurableFile.read(corpusURL)
            guard let text = String(data: data, encoding: .utf8) else {
                throw CommandError("\(corpus): is not valid UTF-8 text; convert it to UTF-8 first")
            }
            let trainer = BPETrainer(vocabularySize: vocabSize, minimumPairCount: minPairCount)
            let progress = ProgressLine("tokenizer", total: 0, unit: "merges")
            let tokenizer = try trainer.train(on: text) { done, total in
                progress.total = total
                progress.update(done)
            }
            let trainingSeconds = progress.elapsed
            progress.finish()
            try tokenizer.write(to: URL(fileURLWithPath: out))
            let encodeStart = Date()
            let tokens = tokenizer.encode(text).count
            let encodeSeconds = max(Date().timeIntervalSince(encodeStart), 1e-9)
            let ratio = tokens > 0 ? Double(data.count) / Double(tokens) : 0
            print(
                String(
                    format: "wrote %@: %d tokens (%d merges) in %.1fs", out, tokenizer.vocabularySize,
                    tokenizer.mergeList.count, trainingSeconds))
            print(
                String(
                    format: "the corpus (%.1f MB) is %d tokens, %.2f bytes per token; encoded in %.2fs (%.1f MB/s)",
                    Double(data.count) / 1e6, tokens, ratio, encodeSeconds, Double(data.count) / 1e6 / encodeSeconds))
            if tokenizer.vocabularySize < vocabSize {
                print("note: stopped below --vocab-size \(vocabSize): no pair occurs \(minPairCount) or more times")
            }
        }
    }

    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the token ids and tokens of a text.",
            discussion: "Example: tally tokenizer encode --tokenizer tokenizer.json \"Hello, world!\""
        )

        @Option(help: "The tokenizer.json to use.")
        var tokenizer: String = "tokenizer.json"

        @Argument(help: "The text to encode.")
        var text: String

        func run() throws {
            let loaded = try BPETokenizer(contentsOf: URL(fileURLWithPath: tokenizer))
            let ids = loaded.encode(text)
            print(ids.map(String.init).joined(separator: " "))
            // Tokens are shown in their byte-level spelling (Ġ for a space); an added token may hold anything.
            let tokens = ids.map { TerminalSanitizer.sanitizeLine(loaded.token(for: $0) ?? "?") }
            print(tokens.joined(separator: " | "))
        }
    }
}
