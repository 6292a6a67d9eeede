import Dispatch
import Foundation

/// How many threads the engine's own (non-BLAS) kernels split their work over: one per core.
public enum ComputeThreads {
    /// The number of worker threads, fixed at the number of active cores.
    public static let count: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)
}

/// How many slices ``parallelRanges`` cuts `count` items into: at most one per core, and none smaller
/// than `minimumPerThread` items (a dispatch costs microseconds, which small loops do not repay).
@inline(__always)
func sliceCount(_ count: Int, minimumPerThread: Int) -> Int {
    max(1, min(ComputeThreads.count, count / max(1, minimumPerThread)))
}

/// Runs `body` on contiguous slices of `0..<count`, at most one slice per core (see ``sliceCount``),
/// and returns when all are done.
@inline(__always)
func parallelRanges(_ count: Int, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
    parallelSlices(count, minimumPerThread: minimumPerThread) { range, _ in body(range) }
}

/// Like ``parallelRanges``, also passing the slice's index in `0..<sliceCount(count, minimumPerThread)`
/// so each slice can use its own scratch memory.
@inline(__always)
func parallelSlices(_ count: Int, minimumPerThread: Int = 1, _ body: (Range<Int>, Int) -> Void) {
    guard count > 0 else { return }
    let threads = sliceCount(count, minimumPerThread: minimumPerThread)
    if threads == 1 {
        body(0..<count, 0)
        return
    }
    DispatchQueue.concurrentPerform(iterations: threads) { index in
        body((count * index / threads)..<(count * (index + 1) / threads), index)
    }
}

/// Runs `body(index, thread)` for every index in `0..<count`, spread over the cores in contiguous slices;
/// `thread` (in `0..<ComputeThreads.count`) lets each slice use its own scratch memory.
@inline(__always)
func parallelForEach(_ count: Int, _ body: (_ index: Int, _ thread: Int) -> Void) {
    let threads = min(ComputeThreads.count, count)
    if threads <= 1 {
        for index in 0..<count { body(index, 0) }
        return
    }
    DispatchQueue.concurrentPerform(iterations: threads) { thread in
        for index in (count * thread / threads)..<(count * (thread + 1) / threads) { body(index, thread) }
    }
}
