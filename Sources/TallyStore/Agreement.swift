import Foundation
import GRDB

/// Agreement between labelers who labeled the same items.
public struct AgreementReport: Hashable, Codable, Sendable {
    /// Pairs of labels (two labelers, same comparison) that were compared.
    public var comparisonLabelPairs: Int
    /// The fraction of those pairs with the same outcome (A, B, tie, both bad); nil without overlap.
    public var comparisonAgreement: Double?
    /// (labeler pair, response pair) combinations across rankings of the same task.
    public var rankingResponsePairs: Int
    /// The fraction of them where both labelers ordered the two responses the same way (ties included).
    public var rankingPairAgreement: Double?
    /// Krippendorff's alpha (ordinal) over rankings: units are (task, response), values the response's
    /// mid-rank within each labeler's ranking; nil without overlap or without variation.
    public var rankingAlpha: Double?
    /// Units (task, response) ranked by at least two labelers.
    public var rankingUnits: Int

    private enum CodingKeys: String, CodingKey {
        case comparisonLabelPairs, comparisonAgreement, rankingResponsePairs, rankingPairAgreement, rankingAlpha
        case rankingUnits
    }

    /// Writes missing figures as `null` (rather than leaving the keys out) for scripts.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(comparisonLabelPairs, forKey: .comparisonLabelPairs)
        try container.encode(comparisonAgreement, forKey: .comparisonAgreement)
        try container.encode(rankingResponsePairs, forKey: .rankingResponsePairs)
        try container.encode(rankingPairAgreement, forKey: .rankingPairAgreement)
        try container.encode(rankingAlpha, forKey: .rankingAlpha)
        try container.encode(rankingUnits, forKey: .rankingUnits)
    }
}

/// Krippendorff's alpha and pairwise agreement, as pure functions.
public enum Agreement {
    /// The difference function of Krippendorff's alpha.
    public enum Metric: String, Sendable {
        case nominal, ordinal, interval
    }

    /// Krippendorff's alpha over `units`, each the values that different coders gave one unit (missing
    /// values left out). Units with fewer than two values are not pairable and are ignored.
    /// Returns nil when fewer than two values are pairable or every value is the same.
    public static func krippendorffAlpha(units: [[Double]], metric: Metric) -> Double? {
        let pairable = units.filter { $0.count >= 2 }
        let values = Array(Set(pairable.flatMap { $0 })).sorted()
        guard values.count >= 2 else { return nil }
        var index: [Double: Int] = [:]
        for (position, value) in values.enumerated() { index[value] = position }
        let size = values.count
        // Coincidence matrix: each ordered pair of values within a unit, weighted 1 / (m_u - 1).
        var coincidences = [Double](repeating: 0, count: size * size)
        for unit in pairable {
            let weight = 1 / Double(unit.count - 1)
            for i in unit.indices {
                for j in unit.indices where j != i {
                    coincidences[index[unit[i]]! * size + index[unit[j]]!] += weight
                }
            }
        }
        var marginals = [Double](repeating: 0, count: size)
        for c in 0..<size {
            for k in 0..<size { marginals[c] += coincidences[c * size + k] }
        }
        let total = marginals.reduce(0, +)
        func distance(_ c: Int, _ k: Int) -> Double {
            switch metric {
            case .nominal:
                return c == k ? 0 : 1
            case .interval:
                let difference = values[c] - values[k]
                return difference * difference
            case .ordinal:
                let low = min(c, k)
                let high = max(c, k)
                var sum = 0.0
                for g in low...high { sum += marginals[g] }
                let difference = sum - (marginals[low] + marginals[high]) / 2
                return difference * difference
            }
        }
        var observed = 0.0
        var expected = 0.0
        for c in 0..<size {
            for k in 0..<size where k != c {
                let delta = distance(c, k)
                observed += coincidences[c * size + k] * delta
                expected += marginals[c] * marginals[k] * delta
            }
        }
        guard expected > 0 else { return nil }
        return 1 - (total - 1) * observed / expected
    }

    /// Mid-ranks of responses in a ranking given as tiers (best first): a response in a tier of size s,
    /// below b better responses, gets b + (s + 1) / 2.
    public static func midRanks(tiers: [[Int64]]) -> [Int64: Double] {
        var ranks: [Int64: Double] = [:]
        var better = 0
        for tier in tiers {
            let rank = Double(better) + Double(tier.count + 1) / 2
            for id in tier { ranks[id] = rank }
            better += tier.count
        }
        return ranks
    }
}

extension TallyDatabase {
    /// Agreement between labelers on overlapping comparisons and rankings (labels made in Tally only).
    public func agreement() throws -> AgreementReport {
        try read { db in
            // Comparisons of the same (unordered) response pair by different labelers.
            var outcomesByPair: [[Int64]: [(labeler: Int64, outcome: String)]] = [:]
            for row in try Row.fetchAll(
                db,
                sql: "SELECT responseAId, responseBId, outcome, labelerId FROM comparison WHERE labelerId IS NOT NULL")
            {
                let a: Int64 = row["responseAId"]
                let b: Int64 = row["responseBId"]
                var outcome: String = row["outcome"]
                if a > b { outcome = outcome == "A" ? "B" : outcome == "B" ? "A" : outcome }
                outcomesByPair[[min(a, b), max(a, b)], default: []].append((row["labelerId"], outcome))
            }
            var comparisonPairs = 0
            var comparisonAgreements = 0
            for labels in outcomesByPair.values {
                for i in labels.indices {
                    for j in labels.indices where j > i && labels[i].labeler != labels[j].labeler {
                        comparisonPairs += 1
                        if labels[i].outcome == labels[j].outcome { comparisonAgreements += 1 }
                    }
                }
            }

            // Rankings of the same task by different labelers.
            var rankingsByTask: [Int64: [Int64: [Int64: Int]]] = [:]  // task → labeler → response → tier
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT a.taskId, r.labelerId, e.responseId, e.tier FROM ranking r
                    JOIN assignment a ON a.id = r.assignmentId JOIN rankingEntry e ON e.rankingId = r.id
                    """)
            {
                rankingsByTask[row["taskId"], default: [:]][row["labelerId"], default: [:]][row["responseId"]] =
                    row["tier"]
            }
            var responsePairs = 0
            var responseAgreements = 0
            var units: [[Double]] = []
            for byLabeler in rankingsByTask.values where byLabeler.count >= 2 {
                let rankings = Array(byLabeler.values)
                let responses = Array(rankings[0].keys).sorted()
                for i in rankings.indices {
                    for j in rankings.indices where j > i {
                        for x in responses.indices {
                            for y in responses.indices where y > x {
                                let first = Self.order(rankings[i], responses[x], responses[y])
                                let second = Self.order(rankings[j], responses[x], responses[y])
                                responsePairs += 1
                                if first == second { responseAgreements += 1 }
                            }
                        }
                    }
                }
                let midRanks = rankings.map { Agreement.midRanks(tiers: Self.tiers($0)) }
                for response in responses {
                    units.append(midRanks.compactMap { $0[response] })
                }
            }
            return AgreementReport(
                comparisonLabelPairs: comparisonPairs,
                comparisonAgreement: comparisonPairs > 0 ? Double(comparisonAgreements) / Double(comparisonPairs) : nil,
                rankingResponsePairs: responsePairs,
                rankingPairAgreement: responsePairs > 0 ? Double(responseAgreements) / Double(responsePairs) : nil,
                rankingAlpha: Agreement.krippendorffAlpha(units: units, metric: .ordinal),
                rankingUnits: units.count)
        }
    }

    private static func order(_ tiers: [Int64: Int], _ x: Int64, _ y: Int64) -> Int {
        let a = tiers[x] ?? Int.max
        let b = tiers[y] ?? Int.max
        return a < b ? -1 : a > b ? 1 : 0
    }

    private static func tiers(_ tierByResponse: [Int64: Int]) -> [[Int64]] {
        let grouped = Dictionary(grouping: tierByResponse.keys, by: { tierByResponse[$0]! })
        return grouped.keys.sorted().map { grouped[$0]!.sorted() }
    }
}
