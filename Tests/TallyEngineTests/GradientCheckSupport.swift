import Testing

@testable import TallyEngine

/// A float buffer for op tests: the kernels take raw pointers.
final class TestBuffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(_ values: [Float]) {
        count = values.count
        pointer = .allocate(capacity: max(1, count))
        for (i, value) in values.enumerated() { pointer[i] = value }
    }

    convenience init(zeros count: Int) { self.init([Float](repeating: 0, count: count)) }

    convenience init(random count: Int, seed: UInt64, scale: Float = 1) {
        var random = EngineRandom(seed: seed)
        self.init((0..<count).map { _ in scale * random.nextNormal() })
    }

    deinit { pointer.deallocate() }

    var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
    func zero() { pointer.update(repeating: 0, count: count) }
}

/// Σ projection[i]·output[i] in Double: a scalar loss whose gradient with respect to the output is `projection`.
func projected(_ output: TestBuffer, _ projection: TestBuffer) -> Double {
    var total: Double = 0
    for i in 0..<output.count { total += Double(output.pointer[i]) * Double(projection.pointer[i]) }
    return total
}

/// Compares analytic gradients with central differences (f(x+ε) − f(x−ε))/2ε on `x`'s elements (every
/// `stride`-th one), within |a − n| ≤ absolute + relative·max(|a|, |n|).
func expectGradient(
    _ label: String, x: TestBuffer, analytic: [Float], epsilon: Float = 1e-2, absolute: Double = 2e-3,
    relative: Double = 2e-2, stride: Int = 1, loss: () -> Double,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(analytic.count == x.count, "\(label): gradient size", sourceLocation: sourceLocation)
    var worst: Double = 0
    var failures = 0
    var index = 0
    while index < x.count {
        let saved = x.pointer[index]
        x.pointer[index] = saved + epsilon
        let plus = loss()
        x.pointer[index] = saved - epsilon
        let minus = loss()
        x.pointer[index] = saved
        let numeric = (plus - minus) / (2 * Double(epsilon))
        let exact = Double(analytic[index])
        let error = abs(numeric - exact)
        let allowed = absolute + relative * max(abs(numeric), abs(exact))
        worst = max(worst, error / allowed)
        if error > allowed {
            failures += 1
            if failures <= 3 {
                Issue.record(
                    "\(label)[\(index)]: analytic \(exact), numeric \(numeric)", sourceLocation: sourceLocation)
            }
        }
        index += stride
    }
    #expect(
        failures == 0, "\(label): \(failures) elements off (worst error/allowed \(worst))",
        sourceLocation: sourceLocation)
}
