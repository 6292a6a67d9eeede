import Foundation

/// Linear warmup to `peak` over `warmupSteps`, then cosine decay to `minimum` at `totalSteps` (and
/// `minimum` after).
///
/// ```swift
/// let schedule = LearningRateSchedule(peak: 1e-3, warmupSteps: 100, totalSteps: 5000, minimum: 1e-4)
/// let lr = schedule.rate(at: 0)   // 1e-5: step 0 is the first warmup step
/// ```
public struct LearningRateSchedule: Equatable, Sendable {
    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int
    public var minimum: Float

    public init(peak: Float, warmupSteps: Int, totalSteps: Int, minimum: Float = 0) {
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.minimum = minimum
    }

    /// The rate for the update numbered `step` (0-based).
    public func rate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        if step >= totalSteps { return minimum }
        let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
        let cosine = 0.5 * (1 + Foundation.cos(Double.pi * progress))
        return minimum + Float(cosine) * (peak - minimum)
    }
}
