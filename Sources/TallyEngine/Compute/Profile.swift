import Dispatch

/// Wall-clock time spent in each kind of kernel, collected only while ``enabled`` (for
/// `tally bench engine --profile`); the kernels cost one branch each when it is off.
public enum EngineProfile {
    /// The kinds of kernels.
    public enum Part: Int, CaseIterable, Sendable {
        case embedding, normalization, linear, attention, activation, residual, softmaxLoss, optimizer, decodeAttention
    }

    nonisolated(unsafe) public static var enabled = false
    nonisolated(unsafe) static var totals = [UInt64](repeating: 0, count: Part.allCases.count)

    @inline(__always)
    static func start() -> UInt64 { enabled ? DispatchTime.now().uptimeNanoseconds : 0 }

    @inline(__always)
    static func stop(_ part: Part, _ started: UInt64) {
        if enabled { totals[part.rawValue] &+= DispatchTime.now().uptimeNanoseconds &- started }
    }

    /// Clears the totals.
    public static func reset() { totals = [UInt64](repeating: 0, count: Part.allCases.count) }

    /// Seconds per part since the last ``reset()``.
    public static var seconds: [(part: Part, seconds: Double)] {
        Part.allCases.map { ($0, Double(totals[$0.rawValue]) / 1e9) }
    }
}
