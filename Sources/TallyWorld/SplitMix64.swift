import Foundation

/// A small, fast, seedable pseudo-random generator (SplitMix64, Steele, Lea & Flood 2014).
///
/// Every piece of world content is drawn from one of these, so the same seed gives the same
/// prompts, responses, rankings and corpus on every machine. The helpers below are written here
/// rather than taken from the standard library so that results do not change with its version.
///
/// ```swift
/// var rng = SplitMix64(seed: 42)
/// let die = rng.int(in: 1...6)
/// ```
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The generator's whole state; two generators with equal state produce equal streams.
    public private(set) var state: UInt64

    /// Creates a generator whose stream is fixed by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// Creates a generator for one named purpose under a seed, so independent uses of one seed
    /// (say, the train split and the corpus) get unrelated streams.
    public init(seed: UInt64, purpose: String) {
        state = StableHash.combine(seed, StableHash.of(purpose))
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return StableHash.mix(state)
    }

    /// A uniform integer in `0..<bound`; `bound` must be positive.
    public mutating func int(below bound: Int) -> Int {
        precondition(bound > 0, "int(below:) needs a positive bound")
        let limit = UInt64(bound)
        // Rejection keeps the draw exactly uniform.
        let threshold = (0 &- limit) % limit
        while true {
            let value = next()
            if value >= threshold { return Int(value % limit) }
        }
    }

    /// A uniform integer in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + int(below: range.upperBound - range.lowerBound + 1)
    }

    /// A uniform double in `[0, 1)` with 53 random bits.
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// True with probability `probability`.
    public mutating func chance(_ probability: Double) -> Bool {
        unit() < probability
    }

    /// A uniformly chosen element of a non-empty array.
    public mutating func pick<Element>(_ elements: [Element]) -> Element {
        elements[int(below: elements.count)]
    }

    /// An index drawn with probability proportional to `weights` (non-negative, not all zero).
    public mutating func index(weightedBy weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var target = unit() * total
        for (index, weight) in weights.enumerated() {
            target -= weight
            if target < 0 { return index }
        }
        return weights.lastIndex { $0 > 0 } ?? 0
    }

    /// A standard normal draw (Box–Muller).
    public mutating func gaussian() -> Double {
        let u1 = max(unit(), 0x1.0p-60)
        let u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Shuffles `elements` in place (Fisher–Yates).
    public mutating func shuffle<Element>(_ elements: inout [Element]) {
        guard elements.count > 1 else { return }
        for i in stride(from: elements.count - 1, to: 0, by: -1) {
            elements.swapAt(i, int(below: i + 1))
        }
    }

    /// `count` distinct indices below `bound`, in random order.
    public mutating func sample(_ count: Int, below bound: Int) -> [Int] {
        var indices = Array(0..<bound)
        shuffle(&indices)
        return Array(indices.prefix(count))
    }
}

/// Hashes that are the same in every process and on every machine (unlike `Hasher`, which is
/// seeded per process), used for split assignment and for deriving seeds.
public enum StableHash {
    /// FNV-1a over the UTF-8 bytes of `text`, finished with a SplitMix64 mix.
    public static func of(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return mix(hash)
    }

    /// Combines two hashes (or a seed and a hash) into one.
    public static func combine(_ a: UInt64, _ b: UInt64) -> UInt64 {
        mix(a ^ (b &+ 0x9E37_79B9_7F4A_7C15 &+ (a << 6) &+ (a >> 2)))
    }

    /// SplitMix64's finaliser: a bijective scramble of 64 bits.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
