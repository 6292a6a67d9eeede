import Foundation
import TallyStore
import TallyWorld

/// Runs simulated labelers as child processes and reports progress, throughput and their agreement.
struct SimulationCoordinator {
    /// What a run did.
    struct Summary {
        var labels = 0
        var byKind: [String: Int] = [:]
        var skipped = 0
        var seconds = 0.0
        var agreement = LabelerAgreementReport(agreedPairs: 0, pairs: 0, items: 0)
        var failedWorkers = 0
    }

    let workspace: Workspace
    let database: TallyDatabase
    let labelers: Int
    let items: Int
    let seed: UInt64
    let noise: LabelerNoise
    let overlap: Int
    /// The kinds of task the labelers take (all when empty).
    var kinds: [TaskKind] = []

    /// Adds world train prompts, each with a demonstration task and a ranking task of 4–9 candidates
    /// queued for `overlap` labelers, when the open tasks cannot hold `items` labels.
    func fillQueues() throws {
        let status = try database.status()
        let open = status.openTasks.values.reduce(0, +)
        // Room for every label plus a margin: near the end, the open slots left can all sit on tasks a
        // labeler has already done (it was ahead in the queue), and it would run dry before its quota.
        let slotsWanted = items + items / 10 + 4 * labelers * overlap
        guard open < slotsWanted else { return }
        let promptsNeeded = (slotsWanted - open + 2 * overlap - 1) / (2 * overlap)
        let world = World()
        let sampler = CandidateSampler(world: world)
        // A different draw per fill, so a second run adds prompts the workspace lacks.
        let fillSeed = StableHash.combine(seed, UInt64(status.prompts.values.reduce(0, +)))
        var rng = TallyWorld.SplitMix64(seed: fillSeed, purpose: "simulate fill")
        let previousOverlap = try database.overlapTarget()
        try database.setOverlapTarget(overlap)
        defer { try? database.setOverlapTarget(previousOverlap) }
        var rankingTasks = 0
        for prompt in world.prompts(split: .train, count: promptsNeeded, seed: fillSeed) {
            let promptID = try database.addPrompt(.text(prompt.text), source: "world", split: .train)
            let candidates = sampler.candidates(for: prompt, count: rng.int(in: 4...9), using: &rng)
            try database.insertResponses(promptID: promptID, texts: candidates, origin: .model, queueAs: .ranking)
            rankingTasks += 1
        }
        say(
            "simulate: the queues had \(open) open tasks for \(items) labels; added \(rankingTasks) world prompts "
                + "with demonstration and ranking tasks (overlap \(overlap))")
    }

    /// Starts the labelers, waits for them, and prints progress and a summary.
    func run() throws -> Summary {
        guard let executable = Bundle.main.executableURL else {
            throw StoreError.invalid("cannot find the tally executable to start simulated labelers")
        }
        let collector = SimulationCollector()
        let started = Date()
        var processes: [(index: Int, process: Process)] = []
        let readers = DispatchGroup()
        for index in 1...labelers {
            let quota = items / labelers + (index <= items % labelers ? 1 : 0)
            guard quota > 0 else { continue }
            let process = Process()
            process.executableURL = executable
            process.arguments =
                [
                    "simulate", "--worker", String(index), "--quota", String(quota), "--seed", String(seed),
                    "--noise", String(noise.scoreNoise), "--tie-margin", String(noise.tieMargin),
                    "--workspace", workspace.root.path,
                ] + kinds.flatMap { ["--only", $0.rawValue] }
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.standardError
            try process.run()
            processes.append((index, process))
            readers.enter()
            DispatchQueue.global().async {
                collector.read(output.fileHandleForReading, labeler: index)
                readers.leave()
            }
        }
        say("simulate: \(processes.count) labelers started, \(items) labels to submit")
        let progress = ProgressLine("simulate", total: items, unit: "labels")
        while processes.contains(where: { $0.process.isRunning }) {
            Thread.sleep(forTimeInterval: 0.2)
            let done = collector.labelCount
            progress.update(
                done, detail: ProgressLine.rate(Double(done) / max(progress.elapsed, 1e-9), unit: "labels/s"))
        }
        readers.wait()
        progress.finish()
        var summary = collector.summary()
        summary.seconds = Date().timeIntervalSince(started)
        for (index, process) in processes where process.terminationStatus != 0 {
            let how =
                process.terminationReason == .uncaughtSignal
                ? "was killed by signal \(process.terminationStatus)"
                : "exited with status \(process.terminationStatus)"
            FileHandle.standardError.write(
                Data("error: simulated labeler \(index) \(how); its labels so far are kept\n".utf8))
            summary.failedWorkers += 1
        }
        say(Self.describe(summary, requested: items, labelers: processes.count))
        // The store's own measure over every overlapping label in the workspace, as a cross-check.
        let stored = try database.agreement()
        if let rate = stored.rankingPairAgreement {
            let alpha = stored.rankingAlpha.map { String(format: ", Krippendorff's alpha %.2f", $0) } ?? ""
            say(
                String(
                    format: "simulate: the workspace's rankings agree on %.1f%% of %d response pairs%@",
                    100 * rate, stored.rankingResponsePairs, alpha))
        }
        return summary
    }

    /// Prints a line at once, also when standard output is a file or a pipe (where `print` would buffer it).
    private func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func describe(_ summary: Summary, requested: Int, labelers: Int) -> String {
        let kinds = ["ranking", "demonstration", "comparison"].compactMap { kind -> String? in
            guard let count = summary.byKind[kind], count > 0 else { return nil }
            return "\(count) \(kind)s"
        }
        var lines = [
            String(
                format:
                    "simulate: %d labels in %.1fs (%.1f labels/s) by %d labelers: %@; %d skipped (not world prompts)",
                summary.labels, summary.seconds, Double(summary.labels) / max(summary.seconds, 1e-9), labelers,
                kinds.isEmpty ? "none" : kinds.joined(separator: ", "), summary.skipped)
        ]
        if summary.failedWorkers > 0 {
            lines.append(
                "simulate: stopped after \(summary.labels) of \(requested) labels: "
                    + "\(summary.failedWorkers) labelers failed")
        } else if summary.labels < requested {
            lines.append("simulate: the queues ran out after \(summary.labels) of \(requested) labels")
        }
        if summary.agreement.pairs > 0 {
            lines.append(
                String(
                    format: "simulate: simulated labelers agree on %.1f%% of %d response pairs "
                        + "(%d items labeled by two or more)",
                    100 * summary.agreement.rate, summary.agreement.pairs, summary.agreement.items))
        } else {
            lines.append("simulate: no item was ranked by two labelers, so agreement was not measured (see --overlap)")
        }
        return lines.joined(separator: "\n")
    }
}

/// Gathers the labelers' reports from their output, from several reader threads.
final class SimulationCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var labels = 0
    private var byKind: [String: Int] = [:]
    private var skipped = 0
    /// Ranked items: "kind task" → the tiers each labeler gave.
    private var rankings: [String: [(labeler: Int, tiers: [[Int64]])]] = [:]

    var labelCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return labels
    }

    /// Reads one labeler's output to its end.
    func read(_ handle: FileHandle, labeler: Int) {
        var pending = Data()
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                record(line, labeler: labeler)
            }
        }
    }

    private func record(_ line: String, labeler: Int) {
        let fields = line.split(separator: " ").map(String.init)
        lock.lock()
        defer { lock.unlock() }
        switch fields.first {
        case "label" where fields.count == 4:
            labels += 1
            byKind[fields[1], default: 0] += 1
            if let tiers = SimulationWorker.decode(fields[3]) {
                rankings["\(fields[1]) \(fields[2])", default: []].append((labeler, tiers))
            }
        case "skip":
            skipped += 1
        default:
            break
        }
    }

    /// Totals, and pairwise agreement over items ranked by two or more labelers.
    func summary() -> SimulationCoordinator.Summary {
        lock.lock()
        defer { lock.unlock() }
        var summary = SimulationCoordinator.Summary()
        summary.labels = labels
        summary.byKind = byKind
        summary.skipped = skipped
        for judgements in rankings.values where judgements.count >= 2 {
            summary.agreement.items += 1
            for first in judgements.indices {
                for second in judgements.indices where second > first {
                    let comparison = PairwiseAgreement.pairwise(
                        judgements[first].tiers.map { $0.map { Int($0) } },
                        judgements[second].tiers.map { $0.map { Int($0) } })
                    summary.agreement.agreedPairs += comparison.agreed
                    summary.agreement.pairs += comparison.pairs
                }
            }
        }
        return summary
    }
}
