import Foundation

/// The engine's seeded random number generator: xoshiro256** (Blackman and Vigna), seeded through
/// SplitMix64 so that nearby seeds give unrelated streams. Same seed, same numbers, on every machine.
///
/// Its whole state is four words; save it with ``state`` and restore it with ``init(state:)`` to
/// resume a run exactly where it stopped.
///
/// ```swift
/// var rng = EngineRandom(seed: 42)
/// let u = rng.nextUniform()       // in [0, 1)
/// let saved = rng.state
/// var again = EngineRandom(state: saved)
/// ```
public struct EngineRandom: RandomNumberGenerator, Sendable, Equatable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// The generator's state, four words, never all zero.
    public var state: [UInt64] { [s0, s1, s2, s3] }

    /// Seeds the generator: the four state words come from SplitMix64 run on `seed`.
    public init(seed: UInt64) {
        var mixer = seed
        var words: [UInt64] = []
        for _ in 0..<4 {
            mixer &+= 0x9E37_79B9_7F4A_7C15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            words.append(z ^ (z >> 31))
        }
        (s0, s1, s2, s3) = (words[0], words[1], words[2], words[3])
    }

    /// Restores a generator saved with ``state``; an invalid state (not four words, or all zero) is
    /// replaced by the state for seed 0.
    public init(state: [UInt64]) {
        if state.count == 4, state.contains(where: { $0 != 0 }) {
            self = EngineRandom(seed: 0)
            (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
        } else {
            self = EngineRandom(seed: 0)
        }
    }

    @inline(__always)
    private static func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = EngineRandom.rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = EngineRandom.rotateLeft(s3, 45)
        return result
    }

    /// A uniform float in [0, 1) with 24 random bits.
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A standard normal sample (Box–Muller, one of the pair).
    public mutating func nextNormal() -> Float {
        let u1 = (Double(next() >> 11) + 1) * (1.0 / 9_007_199_254_740_993.0)  // (0, 1]
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }
}
