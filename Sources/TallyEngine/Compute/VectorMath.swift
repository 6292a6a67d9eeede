import Foundation

// SIMD helpers for the engine's elementwise kernels. Loops handle 16 floats at a time and finish the
// remainder with scalar code; reductions keep a vector accumulator because LLVM will not reorder
// floating-point sums on its own.

typealias Vector16 = SIMD16<Float>

@inline(__always)
func load16(_ pointer: UnsafePointer<Float>) -> Vector16 {
    UnsafeRawPointer(pointer).loadUnaligned(as: Vector16.self)
}

@inline(__always)
func store16(_ value: Vector16, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Vector16.self)
}

typealias Bits16 = SIMD16<UInt32>

// Note: Swift's generic SIMD helpers (`clamped`, `pointwiseMin`, float-to-int conversion) compile to
// lane-by-lane scalar code; comparisons with `replacing(with:where:)` and bit casts stay vectorised.

/// e^x for 16 lanes: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-7 Taylor polynomial (relative error
/// below 1e-7), 2^n built in the exponent bits. Inputs are clamped to the range where fp32 e^x is normal.
@inline(__always)
func exp16(_ input: Vector16) -> Vector16 {
    var x = input.replacing(with: 88.0, where: input .> 88.0)
    x = x.replacing(with: -87.0, where: x .< -87.0)
    // Adding 1.5·2^23 rounds x·log2(e) to an integer n held in the low mantissa bits of t.
    let shifter: Float = 12_582_912
    let t = x * 1.442_695_04 + shifter
    let n = t - shifter
    let r = x - n * 0.693_145_751_953_125 - n * 1.428_606_765_330_187e-6
    var p = Vector16(repeating: 1.0 / 5040.0)
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    let biased = unsafeBitCast(t, to: Bits16.self) &- 0x4B40_0000 &+ 127
    return p * unsafeBitCast(biased &<< 23, to: Vector16.self)
}

/// The logistic sigmoid 1/(1+e^−x) for 16 lanes.
@inline(__always)
func sigmoid16(_ x: Vector16) -> Vector16 {
    1 / (1 + exp16(-x))
}

@inline(__always)
func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }

/// Σ a[i]·b[i] over `count` floats.
@inline(__always)
func dotProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
    var accumulator = Vector16()
    var i = 0
    while i + 16 <= count {
        accumulator += load16(a + i) * load16(b + i)
        i += 16
    }
    var total = accumulator.sum()
    while i < count {
        total += a[i] * b[i]
        i += 1
    }
    return total
}

/// Σ a[i] over `count` floats.
@inline(__always)
func sum(_ a: UnsafePointer<Float>, _ count: Int) -> Float {
    var accumulator = Vector16()
    var i = 0
    while i + 16 <= count {
        accumulator += load16(a + i)
        i += 16
    }
    var total = accumulator.sum()
    while i < count {
        total += a[i]
        i += 1
    }
    return total
}

/// The largest of `count` ≥ 1 floats.
@inline(__always)
func maximum(_ a: UnsafePointer<Float>, _ count: Int) -> Float {
    var best = Vector16(repeating: -Float.infinity)
    var i = 0
    while i + 16 <= count {
        let x = load16(a + i)
        best = best.replacing(with: x, where: x .> best)
        i += 16
    }
    var result = best.max()
    while i < count {
        result = Swift.max(result, a[i])
        i += 1
    }
    return result
}

/// a[i] = e^(a[i] − shift) in place; returns the sum of the new values.
@inline(__always)
func exponentiateInPlace(_ a: UnsafeMutablePointer<Float>, _ count: Int, shift: Float) -> Float {
    var accumulator = Vector16()
    let shiftVector = Vector16(repeating: shift)
    var i = 0
    while i + 16 <= count {
        let e = exp16(load16(a + i) - shiftVector)
        store16(e, a + i)
        accumulator += e
        i += 16
    }
    var total = accumulator.sum()
    while i < count {
        let e = Foundation.exp(a[i] - shift)
        a[i] = e
        total += e
        i += 1
    }
    return total
}

/// a[i] *= factor.
@inline(__always)
func scaleInPlace(_ a: UnsafeMutablePointer<Float>, _ count: Int, by factor: Float) {
    var i = 0
    while i + 16 <= count {
        store16(load16(a + i) * factor, a + i)
        i += 16
    }
    while i < count {
        a[i] *= factor
        i += 1
    }
}

/// y[i] += alpha·x[i].
@inline(__always)
func addScaled(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ count: Int, alpha: Float = 1) {
    var i = 0
    while i + 16 <= count {
        store16(load16(y + i) + alpha * load16(x + i), y + i)
        i += 16
    }
    while i < count {
        y[i] += alpha * x[i]
        i += 1
    }
}
