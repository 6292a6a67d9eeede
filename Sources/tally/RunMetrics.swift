import Foundation
import TallyIO
import TallyStore

/// The metrics one training run recorded, by name and by step, for `tally runs show` and `tally runs export`.
///
/// Names are kept as recorded, slashes and all (`eval/loss`, `rewards/chosen`, `oracle/mean_score`), and fall
/// in three groups: training metrics (recorded each step), evaluation metrics (`eval/…`, each validation pass)
/// and figures measured after training (`final/…`, `oracle/…`, `oracle_parent/…`, at the last step).
struct RunMetrics {
    /// One metric's figures over the run; `min` and `max` skip NaN and infinities (nil when no value is finite).
    struct Summary: Equatable {
        var first: Double
        var last: Double
        var min: Double?
        var max: Double?
        /// Steps at which the metric was recorded.
        var steps: Int
    }

    /// The groups `runs show` lists separately.
    enum Group: CaseIterable {
        case training, evaluation, afterTraining

        /// The group of metric `name`.
        init(of name: String) {
            if name.hasPrefix("eval/") {
                self = .evaluation
            } else if Self.afterTrainingPrefixes.contains(where: { name.hasPrefix($0) }) {
                self = .afterTraining
            } else {
                self = .training
            }
        }

        private static let afterTrainingPrefixes = ["final/", "oracle/", "oracle_parent/"]
    }

    /// The metrics worth a plot without `--metric`, in order, each with its `eval/` twin overlaid: the loss, a
    /// reward model's accuracy and margin, and the headline figures of preference and RL trainers (TRL's names).
    static let headlineMetrics = [
        "loss", "accuracy", "margin", "rewards/accuracies", "rewards/margins", "reward", "kl", "objective/kl",
        "objective/scores", "reward/gold", "reward/proxy",
    ]

    /// Metric names in the order they were first recorded (a step's names alphabetically).
    let names: [String]
    /// Each name's (step, value) points in step order.
    let series: [String: [(step: Int, value: Double)]]
    /// The steps with at least one value, in order, with the values recorded at each.
    let steps: [(step: Int, values: [String: Double])]

    /// Organises the metrics of a run as ``TallyDatabase/metrics(runID:)`` returns them.
    init(_ values: [TrainingMetricValue]) {
        self.init(values: values.map { ($0.step, $0.name, $0.value) })
    }

    /// Organises recorded values, in any order.
    init(values: [(step: Int, name: String, value: Double)]) {
        var names: [String] = []
        var series: [String: [(step: Int, value: Double)]] = [:]
        var steps: [(step: Int, values: [String: Double])] = []
        for value in values.sorted(by: { ($0.step, $0.name) < ($1.step, $1.name) }) {
            if series[value.name] == nil { names.append(value.name) }
            series[value.name, default: []].append((value.step, value.value))
            if steps.last?.step == value.step {
                steps[steps.count - 1].values[value.name] = value.value
            } else {
                steps.append((value.step, [value.name: value.value]))
            }
        }
        self.names = names
        self.series = series
        self.steps = steps
    }

    var isEmpty: Bool { names.isEmpty }

    /// The names of `group`, losses (`loss`, `eval/loss`) first, the rest alphabetically.
    func names(in group: Group) -> [String] {
        names.filter { Group(of: $0) == group }.sorted { a, b in
            let aIsLoss = a.hasSuffix("loss")
            let bIsLoss = b.hasSuffix("loss")
            return aIsLoss != bIsLoss ? aIsLoss : a < b
        }
    }

    /// The figures of metric `name`, or nil when the run never recorded it.
    func summary(of name: String) -> Summary? {
        guard let points = series[name], let first = points.first, let last = points.last else { return nil }
        let finite = points.map(\.value).filter(\.isFinite)
        return Summary(
            first: first.value, last: last.value, min: finite.min(), max: finite.max(), steps: points.count)
    }

    /// The plots `runs show` draws: for each requested name (or, when none are, each headline metric the run
    /// recorded) the metric with its `eval/` twin overlaid when that exists. A name already drawn is not drawn
    /// again.
    ///
    /// - Throws: ``CommandError`` naming the run's metrics when a requested name is not among them.
    func plots(requested: [String]) throws -> [[String]] {
        for name in requested where series[name] == nil {
            throw CommandError(
                "the run recorded no metric \"\(name)\"; it has: \(names.joined(separator: ", "))")
        }
        let wanted =
            requested.isEmpty
            ? Self.headlineMetrics.filter { series[$0] != nil || series["eval/" + $0] != nil } : requested
        var drawn: Set<String> = []
        var plots: [[String]] = []
        for name in wanted where !drawn.contains(name) {
            let group = [name, name.hasPrefix("eval/") ? nil : "eval/" + name].compactMap { $0 }
                .filter { series[$0] != nil && !drawn.contains($0) }
            guard !group.isEmpty else { continue }
            drawn.formUnion(group)
            plots.append(group)
        }
        return plots
    }

    /// The over-optimisation curve (Gao et al. 2022) of an RL run: the gold (oracle) and proxy (reward model) rewards
    /// of each iteration's rollouts against their KL to the reference, in KL order. Nil when the run logged no KL or
    /// neither reward.
    func overOptimisation() -> [PlotSeries]? {
        guard let kl = series["objective/kl"] else { return nil }
        let klAtStep = Dictionary(kl.map { ($0.step, $0.value) }, uniquingKeysWith: { first, _ in first })
        let curves = ["reward/gold", "reward/proxy"].compactMap { name -> PlotSeries? in
            let points = (series[name] ?? []).compactMap { point in klAtStep[point.step].map { (x: $0, y: point.value) }
            }
            return points.isEmpty ? nil : PlotSeries(name: name, points: points.sorted { $0.x < $1.x })
        }
        return curves.isEmpty ? nil : curves
    }

    /// Metric `name` as a plot series (steps as x), its name sanitized for the legend.
    func plotSeries(_ name: String) -> PlotSeries {
        PlotSeries(
            name: TerminalSanitizer.sanitizeLine(name),
            points: (series[name] ?? []).map { (Double($0.step), $0.value) })
    }

    /// A metric value for tables: four decimals in the usual range, scientific notation for very small or
    /// large values (`0.6931`, `3.000e-04`, `12345.6`).
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : value < 0 ? "-inf" : "inf" }
        let magnitude = abs(value)
        if magnitude == 0 { return "0" }
        if magnitude < 1e-3 || magnitude >= 1e7 { return String(format: "%.3e", value) }
        if magnitude >= 1000 { return String(format: "%.1f", value) }
        return String(format: "%.4f", value)
    }
}
