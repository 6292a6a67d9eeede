import ArgumentParser
import Foundation
import TallyEngine
import TallyStore
import TallyTrain

/// `tally pretrain`: next-token training of a GPT-2 or Llama model on a text corpus.
struct Pretrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain",
        abstract: "Pretrain a base model (next-token prediction) on a text corpus.",
        discussion: """
            The corpus is a UTF-8 text file, or a JSONL file (name ending in .jsonl) with one {"text": ...} \
            object per line; documents are separated by <|endoftext|>. Make one from the built-in task world \
            with `tally world corpus --out corpus.jsonl`.

            The checkpoint is saved in the workspace as checkpoints/NAME/ (Hugging Face layout: config.json, \
            model.safetensors, tokenizer.json, plus optimizer state and trainer_state.json) every --save-every \
            steps, on Ctrl-C, and at the end, when it is registered as a base checkpoint. The run and its \
            per-step loss are recorded in the database.

            Interrupted? Run the same command again: it resumes from the last saved checkpoint with the same \
            data order and random numbers, so the loss curve is the one an uninterrupted run gives. --fresh \
            starts over instead.

            Example: tally pretrain --corpus corpus.jsonl --vocab-size 2048 --layers 4 --heads 4 --width 256 \
            --context 128 --steps 2000 --out base
            """)

    @Option(help: "The corpus: a UTF-8 text file, or JSONL with {\"text\": ...} per line.")
    var corpus: String?

    @Option(help: "gpt2 or llama.")
    var arch: String = "gpt2"

    @Option(help: "Transformer blocks.")
    var layers: Int = 4

    @Option(help: "Attention heads.")
    var heads: Int = 4

    @Option(help: "Key/value heads (llama only; default: --heads).")
    var kvHeads: Int?

    @Option(help: "Model width (embedding size).")
    var width: Int = 256

    @Option(help: "Context length: tokens per training window.")
    var context: Int = 128

    @Option(help: "A tokenizer.json to use.")
    var tokenizer: String?

    @Option(help: "Learn a BPE tokenizer of this many tokens from the corpus (instead of --tokenizer).")
    var vocabSize: Int?

    @Option(help: "Optimizer steps.")
    var steps: Int = 1000

    @Option(help: "Windows (sequences) per step.")
    var batch: Int = 8

    @Option(help: "Peak learning rate (AdamW).")
    var lr: Float = 1e-3

    @Option(help: "Final learning rate of the cosine decay (default: --lr / 10).")
    var minLR: Float?

    @Option(help: "Linear warmup steps (default: min(100, steps / 10)).")
    var warmup: Int?

    @Option(help: "AdamW weight decay.")
    var weightDecay: Float = 0.1

    @Option(help: "Clip the gradient norm to this (0: no clipping).")
    var clip: Float = 1

    @Option(help: "Seed of the weights and the data order.")
    var seed: UInt64 = 1

    @Option(help: "Save a resumable checkpoint every N steps (0: only on Ctrl-C and at the end).")
    var saveEvery: Int = 100

    @Option(help: "The checkpoint's name: it is saved in checkpoints/NAME/.")
    var out: String = "base"

    @Flag(help: "Start over even when checkpoints/NAME/ holds a run to resume.")
    var fresh = false

    @Flag(help: "Resume from checkpoints/NAME/ when it holds a run (the default).")
    var resume = false

    @OptionGroup var workspace: WorkspaceOption

    func validate() throws {
        if fresh && resume { throw ValidationError("--fresh and --resume contradict each other; pass one") }
        if tokenizer != nil && vocabSize != nil {
            throw ValidationError("pass --tokenizer or --vocab-size, not both")
        }
        if let vocabSize { try TokenizerCommand.Train.validateVocabularySize(vocabSize) }
    }

    var pretrainingConfiguration: PretrainingConfiguration {
        PretrainingConfiguration(
            architecture: arch, layers: layers, heads: heads, kvHeads: kvHeads, width: width, context: context,
            batchSize: batch,
            optimization: OptimizationSettings(
                steps: steps, peakLearningRate: lr, minimumLearningRate: minLR, warmupSteps: warmup,
                weightDecay: weightDecay, gradientClip: clip),
            seed: seed, saveEvery: saveEvery)
    }

    func run() throws {
        try reportingErrors {
            guard let corpus else {
                throw TrainingError(
                    "no corpus: pass --corpus FILE (a text file, or JSONL with {\"text\": ...} per line), or make one "
                        + "from the built-in world with `tally world corpus --out corpus.jsonl` and pass that")
            }
            let configuration = pretrainingConfiguration
            try configuration.validate()
            let (workspace, database) = try workspace.open()
            defer { database.close() }
            let text = try TextCorpus.load(from: URL(fileURLWithPath: corpus), displayName: corpus)
            let source: PretrainingSession.TokenizerSource? =
                tokenizer.map { .file(URL(fileURLWithPath: $0)) } ?? vocabSize.map { .train(vocabularySize: $0) }
            let session = try PretrainingSession(
                workspace: workspace, database: database, name: out, configuration: configuration, corpus: text,
                tokenizer: source, fresh: fresh, log: { TerminalText.printError($0) })
            if let registered = session.registered {
                print("checkpoint \(out) (id \(registered.id)) is already trained: \(registered.path)")
                return
            }
            guard let trainer = session.trainer else { return }
            let model = trainer.model
            let parameters = String(format: "%.2fM", Double(model.parameterCount) / 1e6)
            if let step = session.resumedFromStep {
                TerminalText.printError("resuming \(out) from step \(step) of \(steps)")
            }
            TerminalText.printError(
                "\(arch) \(parameters) parameters, vocabulary \(trainer.tokenizer.vocabularySize), "
                    + "corpus \(session.corpusTokens) tokens, \(batch)×\(context) tokens per step")

            InterruptFlag.install()
            let progress = ProgressLine(
                "pretrain", total: steps, unit: "steps", startingAt: session.resumedFromStep ?? 0)
            var tokensTrained = 0
            var lastLoss: Double?
            let outcome = try session.train(shouldStop: { InterruptFlag.isSet }) { report in
                tokensTrained += report.tokens
                lastLoss = Double(report.loss)
                progress.update(
                    report.step,
                    detail: TrainingRunner.stepDetail(
                        loss: Double(report.loss), keyMetric: nil,
                        tokensPerSecond: Double(tokensTrained) / max(progress.elapsed, 1e-9)))
            }
            progress.finish()
            let seconds = progress.elapsed
            switch outcome {
            case .finished(let id, let sha256):
                if tokensTrained > 0 {
                    print(
                        String(
                            format: "trained %d tokens in %.1fs (%.0f tokens/s)", tokensTrained, seconds,
                            Double(tokensTrained) / max(seconds, 1e-9))
                            + (lastLoss.map { String(format: ", last loss %.4f", $0) } ?? ""))
                }
                print("saved checkpoint \(out) (id \(id), sha256 \(sha256.prefix(12))…) in \(session.relativePath)/")
            case .interrupted(let step):
                TerminalText.printError(
                    "interrupted at step \(step): saved \(session.relativePath)/; run the same command to resume")
                throw ExitCode(130)
            }
        }
    }
}

/// Ctrl-C (SIGINT) and `kill` (SIGTERM) ask a long command to stop at a safe point: the first signal sets the
/// flag, and the default action is put back so a second one stops the process at once.
enum InterruptFlag {
    nonisolated(unsafe) private static var raised: sig_atomic_t = 0

    static var isSet: Bool { raised != 0 }

    static func install() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber) { number in
                InterruptFlag.raised = 1
                signal(number, SIG_DFL)
            }
        }
        // A process started from a thread that blocks signals (a dispatch worker, say) inherits the block:
        // lift it so that the handler runs.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }
}
