import Testing

@testable import tally

/// `RunMetrics`: grouping, summaries, the default plots and the export formats.
@Suite struct RunMetricsTests {
    private func metrics(_ values: [(Int, String, Double)]) -> RunMetrics {
        RunMetrics(values: values.map { (step: $0.0, name: $0.1, value: $0.2) })
    }

    @Test func groupsSummariesAndDefaultPlots() throws {
        let run = metrics([
            (1, "loss", 2), (1, "accuracy", 0.5), (1, "rewards/chosen", .nan), (2, "loss", 1),
            (2, "accuracy", 0.75), (2, "rewards/chosen", 0.25), (2, "eval/accuracy", 0.7), (2, "final/pairs", 40),
        ])
        #expect(run.names == ["accuracy", "loss", "rewards/chosen", "eval/accuracy", "final/pairs"])
        #expect(run.names(in: .training) == ["loss", "accuracy", "rewards/chosen"])
        #expect(run.names(in: .evaluation) == ["eval/accuracy"])
        #expect(run.names(in: .afterTraining) == ["final/pairs"])
        #expect(run.summary(of: "loss") == RunMetrics.Summary(first: 2, last: 1, min: 1, max: 2, steps: 2))
        // NaN is neither the minimum nor the maximum.
        #expect(run.summary(of: "rewards/chosen")?.min == 0.25 && run.summary(of: "rewards/chosen")?.max == 0.25)
        #expect(try run.plots(requested: []) == [["loss"], ["accuracy", "eval/accuracy"]])
        #expect(
            try run.plots(requested: ["eval/accuracy", "accuracy", "rewards/chosen"])
                == [["eval/accuracy"], ["accuracy"], ["rewards/chosen"]])
        #expect(throws: CommandError.self) { try run.plots(requested: ["kl"]) }
    }

    @Test func exportWritesNullForNonFiniteValuesInJSONAndQuotesCSVNames() {
        let run = metrics([(1, "loss", .nan), (1, "a,b", 1.5), (3, "loss", .infinity), (3, "eval/loss", 0.5)])
        #expect(
            run.export(.jsonl) == #"{"step": 1, "a,b": 1.5, "loss": null}"# + "\n"
                + #"{"step": 3, "loss": null, "eval/loss": 0.5}"# + "\n")
        #expect(run.export(.csv) == "step,\"a,b\",loss,eval/loss\n1,1.5,nan,\n3,,inf,0.5\n")
        #expect(RunMetrics(values: []).export(.csv) == "step\n" && RunMetrics(values: []).export(.jsonl).isEmpty)
    }

    @Test func valuesAreFormattedForTables() {
        #expect(RunMetrics.format(0.69314) == "0.6931")
        #expect(RunMetrics.format(3e-4) == "3.000e-04")
        #expect(RunMetrics.format(12345.67) == "12345.7")
        #expect(RunMetrics.format(0) == "0" && RunMetrics.format(-.infinity) == "-inf")
    }
}
