import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The work of `tally bench arena`: Bradley–Terry with bootstrap intervals, and online Elo, on synthetic
/// battles drawn from known ratings (``SyntheticBattles``). Drawing the battles is not timed.
///
/// ```swift
/// let result = ArenaBenchmark.bradleyTerry(battles: 100_000, models: 20, rounds: 1000, seed: 1)
/// print(result.seconds)   // numbering the battles + the fit + 1000 bootstrap rounds + the intervals
/// ```
public enum ArenaBenchmark {
    /// Timings of Bradley–Terry with a bootstrap.
    public struct BradleyTerryResult: Encodable, Sendable {
        /// Always "arena_bt".
        public var benchmark = "arena_bt"
        /// Battles rated.
        public var battles: Int
        /// Models among them.
        public var models: Int
        /// Bootstrap rounds.
        public var rounds: Int
        /// Cores the bootstrap ran on.
        public var threads: Int
        /// Numbering the battles' models (``BattleSet``).
        public var indexSeconds: Double
        /// One Bradley–Terry fit on all battles, aggregation included.
        public var fitSeconds: Double
        /// ``BradleyTerry/bootstrap(_:rounds:seed:confidence:scale:anchor:)``: the fit, the rounds, the intervals.
        public var bootstrapSeconds: Double
        /// The total the goal is about: numbering plus bootstrap.
        public var seconds: Double
        /// Process CPU time over the bootstrap (the machine may be shared).
        public var cpuSeconds: Double
        /// Whether the fitted ratings put the models in their true order.
        public var orderRecovered: Bool
        /// Mean absolute difference between fitted and true ratings (both centred), in rating points.
        public var meanAbsoluteError: Double
        /// Share of models whose interval holds the true rating.
        public var coverage: Double
        /// The mean interval width, in rating points.
        public var meanIntervalWidth: Double

        enum CodingKeys: String, CodingKey {
            case benchmark, battles, models, rounds, threads, seconds, coverage
            case indexSeconds = "index_s"
            case fitSeconds = "fit_s"
            case bootstrapSeconds = "bootstrap_s"
            case cpuSeconds = "cpu_s"
            case orderRecovered = "order_recovered"
            case meanAbsoluteError = "mean_abs_error"
            case meanIntervalWidth = "mean_ci_width"
        }
    }

    /// Timings of online Elo.
    public struct EloResult: Encodable, Sendable {
        /// Always "arena_elo".
        public var benchmark = "arena_elo"
        /// Battles rated.
        public var battles: Int
        /// Models among them.
        public var models: Int
        /// Numbering the battles' models (``BattleSet``).
        public var indexSeconds: Double
        /// The online Elo pass over the numbered battles.
        public var eloSeconds: Double
        /// Battles per second of the Elo pass.
        public var battlesPerSecond: Double

        enum CodingKeys: String, CodingKey {
            case benchmark, battles, models
            case indexSeconds = "index_s"
            case eloSeconds = "elo_s"
            case battlesPerSecond = "battles_per_s"
        }
    }

    /// Bradley–Terry plus `rounds` bootstrap rounds on `battles` synthetic battles among `models` models whose
    /// true ratings are spread evenly over 400 points.
    public static func bradleyTerry(battles: Int, models: Int, rounds: Int, seed: UInt64) -> BradleyTerryResult {
        let roster = SyntheticBattles.roster(count: models, spread: 400)
        let drawn = SyntheticBattles.draw(models: roster.models, ratings: roster.ratings, count: battles, seed: seed)
        var start = DispatchTime.now()
        let set = BattleSet(drawn)
        let indexSeconds = seconds(since: start)
        start = DispatchTime.now()
        let fitted = BradleyTerry.fit(set)
        let fitSeconds = Self.seconds(since: start)
        let cpuStart = cpuTime()
        start = DispatchTime.now()
        let bootstrap: BootstrapRatings
        do {
            bootstrap = try BradleyTerry.bootstrap(set, rounds: rounds, seed: seed)
        } catch {
            preconditionFailure("synthetic battles always rate: \(error)")
        }
        let bootstrapSeconds = Self.seconds(since: start)
        let cpuSeconds = cpuTime() - cpuStart

        // The roster's names sort in its order, so the set's model i is the roster's model i.
        let truth = roster.ratings
        let trueMean = truth.reduce(0, +) / Double(truth.count)
        let fittedMean = fitted.values.reduce(0, +) / Double(fitted.values.count)
        var error = 0.0
        var covered = 0
        var width = 0.0
        for model in 0..<truth.count {
            let centred = truth[model] - trueMean + fittedMean
            error += abs(fitted.values[model] - centred)
            if bootstrap.lower[model] <= centred && centred <= bootstrap.upper[model] { covered += 1 }
            width += bootstrap.upper[model] - bootstrap.lower[model]
        }
        let order = fitted.values.indices.sorted { fitted.values[$0] > fitted.values[$1] }
        return BradleyTerryResult(
            battles: set.count, models: set.models.count, rounds: rounds,
            threads: ProcessInfo.processInfo.activeProcessorCount, indexSeconds: indexSeconds, fitSeconds: fitSeconds,
            bootstrapSeconds: bootstrapSeconds, seconds: indexSeconds + bootstrapSeconds, cpuSeconds: cpuSeconds,
            orderRecovered: order == Array(0..<truth.count), meanAbsoluteError: error / Double(truth.count),
            coverage: Double(covered) / Double(truth.count), meanIntervalWidth: width / Double(truth.count))
    }

    /// Online Elo over `battles` synthetic battles among `models` models.
    public static func onlineElo(battles: Int, models: Int, seed: UInt64) -> EloResult {
        let roster = SyntheticBattles.roster(count: models, spread: 400)
        let drawn = SyntheticBattles.draw(models: roster.models, ratings: roster.ratings, count: battles, seed: seed)
        var start = DispatchTime.now()
        let set = BattleSet(drawn)
        let indexSeconds = seconds(since: start)
        start = DispatchTime.now()
        let ratings = OnlineElo.ratings(set)
        let eloSeconds = seconds(since: start)
        precondition(ratings.values.allSatisfy(\.isFinite))
        return EloResult(
            battles: set.count, models: set.models.count, indexSeconds: indexSeconds, eloSeconds: eloSeconds,
            battlesPerSecond: Double(set.count) / eloSeconds)
    }

    private static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    /// User plus system CPU time of the whole process, in seconds.
    private static func cpuTime() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
