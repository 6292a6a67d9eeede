import CEngineKernels
import Foundation

/// AdamW's hyperparameters (Loshchilov and Hutter): decoupled weight decay, bias-corrected moments.
public struct AdamWSettings: Equatable, Sendable {
    /// Decay rate of the first-moment (mean) estimate.
    public var beta1: Float
    /// Decay rate of the second-moment estimate.
    public var beta2: Float
    /// Added to the root of the second moment.
    public var epsilon: Float
    /// Decay applied to tensors marked `decays` (matrices), as θ ← θ − lr·λ·θ.
    public var weightDecay: Float

    public init(beta1: Float = 0.9, beta2: Float = 0.95, epsilon: Float = 1e-8, weightDecay: Float = 0.1) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }
}

/// The AdamW optimizer over a model's trainable tensors, with its moment estimates in two flat buffers
/// touched at creation (so the first step costs no page faults).
///
/// ```swift
/// let optimizer = AdamW(model: model, settings: AdamWSettings())
/// model.zeroGradients()
/// try model.trainLanguageModel(batch)
/// let norm = optimizer.clipGradients(maxNorm: 1)
/// optimizer.step(learningRate: schedule.rate(at: optimizer.stepCount))
/// ```
///
/// The set of tensors is fixed when the optimizer is made: freeze groups or attach LoRA first.
public final class AdamW {
    /// Hyperparameters; may change between steps.
    public var settings: AdamWSettings
    /// Number of updates made so far (bias correction uses it).
    public private(set) var stepCount = 0
    /// Held so that the parameter buffers `tensors` point into outlive the optimizer; `adapters` likewise
    /// keeps LoRA's buffers alive should the model later merge or replace its adapters.
    let model: TransformerModel
    let adapters: LoRAAdapters?
    let tensors: [TrainableTensor]
    let stateOffsets: [Int]
    let stateCount: Int
    let firstMoment: UnsafeMutablePointer<Float>
    let secondMoment: UnsafeMutablePointer<Float>
    /// The trainable floats cut into pieces of at most ``segmentLength``, so that each pass over them
    /// (norm, clipping, update) is one parallel loop, small tensors included.
    let segments: [Segment]

    /// A run of one tensor's floats: tensor `tensor`, floats `range`.
    struct Segment {
        var tensor: Int
        var range: Range<Int>
    }

    /// Floats per segment: small enough that the cores share the work evenly, large enough to repay
    /// taking a segment.
    static let segmentLength = 16_384

    static func segments(of tensors: [TrainableTensor]) -> [Segment] {
        var segments: [Segment] = []
        for (index, tensor) in tensors.enumerated() {
            for start in stride(from: 0, to: tensor.count, by: segmentLength) {
                segments.append(Segment(tensor: index, range: start..<min(tensor.count, start + segmentLength)))
            }
        }
        return segments
    }

    public init(model: TransformerModel, settings: AdamWSettings = AdamWSettings()) {
        self.model = model
        adapters = model.lora
        self.settings = settings
        tensors = model.trainableTensors
        var offsets: [Int] = []
        var total = 0
        for tensor in tensors {
            offsets.append(total)
            total += tensor.count
        }
        stateOffsets = offsets
        stateCount = total
        segments = Self.segments(of: tensors)
        firstMoment = .allocate(capacity: max(1, total))
        secondMoment = .allocate(capacity: max(1, total))
        firstMoment.initialize(repeating: 0, count: max(1, total))
        secondMoment.initialize(repeating: 0, count: max(1, total))
    }

    deinit {
        firstMoment.deallocate()
        secondMoment.deallocate()
    }

    /// Number of floats the optimizer updates.
    public var trainableCount: Int { stateCount }

    /// The global L2 norm of the trainable gradients.
    public func gradientNorm() -> Float {
        // One partial sum per segment, added in segment order: the same norm whichever thread took which.
        var partials = [Double](repeating: 0, count: segments.count)
        partials.withUnsafeMutableBufferPointer { partials in
            parallelForEach(segments.count) { index, _ in
                let segment = segments[index]
                let g = tensors[segment.tensor].gradients + segment.range.lowerBound
                partials[index] = Double(dotProduct(g, g, segment.range.count))
            }
        }
        return Float(partials.reduce(0, +).squareRoot())
    }

    /// Scales the gradients so their global norm is at most `maxNorm`; returns the norm before clipping.
    @discardableResult
    public func clipGradients(maxNorm: Float) -> Float {
        let profileStart = EngineProfile.start()
        defer { EngineProfile.stop(.optimizer, profileStart) }
        let norm = gradientNorm()
        if norm > maxNorm && norm.isFinite {
            let factor = maxNorm / (norm + 1e-6)
            parallelForEach(segments.count) { index, _ in
                let segment = segments[index]
                scaleInPlace(
                    tensors[segment.tensor].gradients + segment.range.lowerBound, segment.range.count, by: factor)
            }
        }
        return norm
    }

    /// One AdamW update of every trainable tensor from its gradient.
    public func step(learningRate: Float) {
        let profileStart = EngineProfile.start()
        defer { EngineProfile.stop(.optimizer, profileStart) }
        stepCount += 1
        let b1 = settings.beta1
        let b2 = settings.beta2
        let correction1 = 1 - Float(Foundation.pow(Double(b1), Double(stepCount)))
        let correction2 = 1 - Float(Foundation.pow(Double(b2), Double(stepCount)))
        let eps = settings.epsilon
        let weightDecay = settings.weightDecay
        parallelForEach(segments.count) { index, _ in
            let segment = segments[index]
            let tensor = tensors[segment.tensor]
            let decay = tensor.decays ? learningRate * weightDecay : 0
            let offset = stateOffsets[segment.tensor] + segment.range.lowerBound
            tally_adamw_update(
                tensor.parameters + segment.range.lowerBound, tensor.gradients + segment.range.lowerBound,
                firstMoment + offset, secondMoment + offset, segment.range.count, learningRate, b1, b2, correction1,
                correction2, eps, decay)
        }
    }

    // MARK: Resume

    /// The optimizer's state for a checkpoint: its step and, per trainable tensor, `<name>.exp_avg` and
    /// `<name>.exp_avg_sq` (names as in ``TransformerModel/parameterSlots``).
    public func exportState() -> (step: Int, tensors: [TensorEntry]) {
        var entries: [TensorEntry] = []
        for (index, tensor) in tensors.enumerated() {
            let offset = stateOffsets[index]
            entries.append(
                TensorEntry(
                    name: tensor.name + ".exp_avg", shape: [tensor.count],
                    values: Array(UnsafeBufferPointer(start: firstMoment + offset, count: tensor.count))))
            entries.append(
                TensorEntry(
                    name: tensor.name + ".exp_avg_sq", shape: [tensor.count],
                    values: Array(UnsafeBufferPointer(start: secondMoment + offset, count: tensor.count))))
        }
        return (stepCount, entries)
    }

    /// Restores a state written by ``exportState()``; throws naming the first missing or mis-sized tensor.
    public func importState(step: Int, tensors entries: [String: TensorEntry]) throws {
        for (index, tensor) in tensors.enumerated() {
            for (suffix, buffer) in [(".exp_avg", firstMoment), (".exp_avg_sq", secondMoment)] {
                let name = tensor.name + suffix
                guard let entry = entries[name] else {
                    throw EngineError.invalidTensor("optimizer state \"\(name)\" is missing")
                }
                guard entry.values.count == tensor.count else {
                    throw EngineError.invalidTensor(
                        "optimizer state \"\(name)\" has \(entry.values.count) values, expected \(tensor.count)")
                }
                entry.values.withUnsafeBufferPointer {
                    (buffer + stateOffsets[index]).update(from: $0.baseAddress!, count: tensor.count)
                }
            }
        }
        stepCount = step
    }
}
