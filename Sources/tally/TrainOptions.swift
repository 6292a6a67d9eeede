import ArgumentParser
import Foundation
import TallyEngine
import TallyTrain

/// The options every `tally train …` command shares.
struct TrainOptions: ParsableArguments {
    @Option(help: "The checkpoint to write (default: the kind, then kind-2, kind-3, … — the first name not yet taken).")
    var name: String?

    @Option(help: "The checkpoint to start from, by name or id (default: the newest of the trainer's kind).")
    var from: String?

    @Option(help: "Passes over the training examples.")
    var epochs: Double?

    @Option(help: "Optimizer steps (default: from --epochs).")
    var steps: Int?

    @Option(
        help: "Peak learning rate (linear warmup, then cosine decay to a tenth; default: the trainer's, ×10 with LoRA)."
    )
    var lr: Float?

    @Option(help: "Warmup steps (default: a tenth of the steps, at most 50).")
    var warmup: Int?

    @Option(help: "AdamW weight decay on matrices.")
    var weightDecay: Float = 0

    @Option(help: "Clip the global gradient norm to this (0: no clipping).")
    var clip: Float = 1

    @Option(help: "Examples per optimizer step.")
    var batch: Int = 8

    @Option(help: "Examples per forward/backward pass; gradients accumulate over a step's passes (default: --batch).")
    var microBatch: Int?

    @Option(help: "LoRA rank: train low-rank adapters on every projection instead of every weight.")
    var loraRank: Int?

    @Option(help: "LoRA alpha: adapter updates are scaled by alpha/rank (default: 2 × rank).")
    var loraAlpha: Float?

    @Option(help: "Validate on the held-out examples every N steps (default: once per epoch).")
    var evalEvery: Int?

    @Option(help: "Save a resumable checkpoint every N steps (0: only on interruption and at the end).")
    var saveEvery: Int = 50

    @Option(help: "Seeds the data order and fresh weights (LoRA adapters, a reward head).")
    var seed: UInt64 = 1

    @Flag(help: "Start over even when checkpoints/NAME holds an unfinished run of these settings.")
    var fresh = false

    @Flag(help: "Cut examples longer than the model's context instead of refusing them.")
    var truncate = false

    @Flag(help: "Print one JSON object as the last line of standard output (progress goes to standard error).")
    var json = false

    func validate() throws {
        if let epochs, !(epochs > 0) { throw ValidationError("--epochs must be positive") }
        if let steps, steps <= 0 { throw ValidationError("--steps must be positive") }
        if let lr, !(lr > 0) { throw ValidationError("--lr must be positive") }
        guard batch > 0 else { throw ValidationError("--batch must be positive") }
        if let microBatch, microBatch <= 0 { throw ValidationError("--micro-batch must be positive") }
        if let loraRank, loraRank <= 0 { throw ValidationError("--lora-rank must be positive") }
        if loraAlpha != nil && loraRank == nil { throw ValidationError("--lora-alpha needs --lora-rank") }
        guard saveEvery >= 0 else { throw ValidationError("--save-every must be ≥ 0") }
        if let evalEvery, evalEvery < 0 { throw ValidationError("--eval-every must be ≥ 0") }
        guard clip >= 0 else { throw ValidationError("--clip must be ≥ 0") }
        guard weightDecay >= 0 else { throw ValidationError("--weight-decay must be ≥ 0") }
    }

    /// The request, with the trainer's defaults for epochs and learning rate (ten times higher for LoRA, whose
    /// small adapters start at zero).
    func request(defaultEpochs: Double, defaultLearningRate: Float) -> TrainingRequest {
        TrainingRequest(
            name: name, from: from, epochs: epochs ?? defaultEpochs, steps: steps,
            learningRate: lr ?? (loraRank == nil ? defaultLearningRate : 10 * defaultLearningRate), warmupSteps: warmup,
            weightDecay: weightDecay, gradientClip: clip,
            batchSize: batch, microBatchSize: microBatch, evalEvery: evalEvery, saveEvery: saveEvery, seed: seed,
            lora: loraRank.map { LoRAConfiguration(rank: $0, alpha: loraAlpha ?? Float(2 * $0)) }, fresh: fresh,
            truncate: truncate)
    }

    /// Writes a note for the user: to standard error (standard output is kept for --json's object).
    func note(_ text: String) {
        TerminalText.printError(text)
    }
}
