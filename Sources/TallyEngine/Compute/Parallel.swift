import Foundation
import Synchronization

/// How many threads the engine's kernels, products included, split their work over: one per core.
public enum ComputeThreads {
    /// The number of worker threads, fixed at the number of active cores.
    public static let count: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)
}

/// How many workers ``parallelSlices`` runs for `count` items: at most one per core, and none with fewer
/// than `minimumPerThread` items (a dispatch costs microseconds, which small loops do not repay).
@inline(__always)
func sliceCount(_ count: Int, minimumPerThread: Int) -> Int {
    max(1, min(ComputeThreads.count, count / max(1, minimumPerThread)))
}

/// Runs `body` on contiguous chunks of `0..<count` spread over the cores, and returns when all are done.
/// Chunks write disjoint output, so they may go to whichever worker is free: the machine may be shared, so
/// the work is cut into a few chunks per worker, taken from a common counter, and a worker that gets less
/// CPU time takes fewer chunks instead of holding everyone up.
@inline(__always)
func parallelRanges(_ count: Int, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let workers = sliceCount(count, minimumPerThread: minimumPerThread)
    if workers == 1 {
        body(0..<count)
        return
    }
    let chunks = min(4 * workers, max(workers, count / max(1, minimumPerThread)))
    let next = Atomic<Int>(0)
    ComputeWorkers.shared.perform(iterations: workers) { _ in
        while true {
            let chunk = next.wrappingAdd(1, ordering: .relaxed).oldValue
            if chunk >= chunks { return }
            body((count * chunk / chunks)..<(count * (chunk + 1) / chunks))
        }
    }
}

/// Runs `body(range, worker)` on ``sliceCount(_:minimumPerThread:)`` contiguous slices of `0..<count`,
/// each slice on one thread, so that slice `worker` may accumulate into scratch memory of its own. The slices
/// are fixed by `count` and the number of cores alone — never by which thread ran first — so partial sums
/// combined in worker order give bit-identical results run after run (training is reproducible and a
/// resumed run follows the uninterrupted one exactly).
@inline(__always)
func parallelSlices(_ count: Int, minimumPerThread: Int = 1, _ body: (Range<Int>, Int) -> Void) {
    guard count > 0 else { return }
    let workers = sliceCount(count, minimumPerThread: minimumPerThread)
    if workers == 1 {
        body(0..<count, 0)
        return
    }
    ComputeWorkers.shared.perform(iterations: workers) { worker in
        body((count * worker / workers)..<(count * (worker + 1) / workers), worker)
    }
}

/// Runs `body(index, worker)` for every index in `0..<count`, each index taken by whichever of the workers
/// (one per core) is free; `worker` (in `0..<ComputeThreads.count`) is never used by two threads at once,
/// so it may name scratch memory.
@inline(__always)
func parallelForEach(_ count: Int, _ body: (_ index: Int, _ worker: Int) -> Void) {
    guard count > 0 else { return }
    let workers = min(ComputeThreads.count, count)
    if workers <= 1 {
        for index in 0..<count { body(index, 0) }
        return
    }
    let next = Atomic<Int>(0)
    ComputeWorkers.shared.perform(iterations: workers) { worker in
        while true {
            let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
            if index >= count { return }
            body(index, worker)
        }
    }
}
