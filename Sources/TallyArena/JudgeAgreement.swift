/// One judge's verdict on one item: an item is a prompt with the two responses of a pair of models.
///
/// Several judges (the oracle, a reward model, people) judging the same item give several of these with the
/// same `item`; the sides may differ between them (each battle puts its responses left or right at random),
/// since verdicts are compared by the winning model's name.
public struct JudgedBattle: Sendable, Equatable {
    /// The item's id: the same prompt and the same two responses.
    public var item: String
    /// Who judged.
    public var judge: String
    /// The battle as this judge saw and decided it.
    public var battle: Battle

    /// `judge`'s verdict `battle` on `item`.
    public init(item: String, judge: String, battle: Battle) {
        self.item = item
        self.judge = judge
        self.battle = battle
    }
}

/// How often two judges agree, over the items both judged.
public struct JudgePairAgreement: Sendable, Equatable {
    /// The first judge (in name order).
    public var judgeA: String
    /// The second judge.
    public var judgeB: String
    /// Items both judged.
    public var items: Int
    /// Pairs of verdicts compared (one per item when each judge voted once on it).
    public var comparisons: Int
    /// Compared pairs with the same verdict: the same winner, or both a tie.
    public var agreements: Int
    /// Compared pairs where neither verdict was a tie.
    public var comparisonsWithoutTies: Int
    /// Those of them that named the same winner.
    public var agreementsWithoutTies: Int

    /// `agreements / comparisons`, or nil without comparisons.
    public var rate: Double? { comparisons == 0 ? nil : Double(agreements) / Double(comparisons) }

    /// `agreementsWithoutTies / comparisonsWithoutTies` (MT-Bench's "agreement without ties"), or nil.
    public var rateWithoutTies: Double? {
        comparisonsWithoutTies == 0 ? nil : Double(agreementsWithoutTies) / Double(comparisonsWithoutTies)
    }
}

/// Agreement between judges who judged the same items: the check that a reward model or the oracle can stand in
/// for people.
///
/// For every two judges and every item both judged, each verdict of one is compared with each verdict of the
/// other (a judge that voted twice on an item counts twice). Verdicts are the winning model's name or "tie";
/// "tie" and "tie (bothbad)" are the same verdict unless `bothBadIsTie` is false, as they are the same outcome
/// to the ratings. The rate counts agreement over all compared verdicts (ties included, as MT-Bench's "with
/// ties") and over the compared verdicts where neither judge called a tie.
///
/// ```swift
/// let agreement = JudgeAgreement.pairwise([
///     JudgedBattle(item: "p1", judge: "oracle", battle: Battle("sft", "base", .modelA)),
///     JudgedBattle(item: "p1", judge: "rm:rm", battle: Battle("base", "sft", .modelB)),
/// ])
/// agreement[0].rate   // 1: both say sft
/// ```
public enum JudgeAgreement {
    /// One entry per two judges with at least one item in common, in order of their names.
    public static func pairwise(_ verdicts: [JudgedBattle], bothBadIsTie: Bool = true) -> [JudgePairAgreement] {
        // item → judge → verdicts
        var byItem: [String: [String: [Verdict]]] = [:]
        for verdict in verdicts {
            byItem[verdict.item, default: [:]][verdict.judge, default: []].append(
                Verdict(verdict.battle, bothBadIsTie: bothBadIsTie))
        }
        var tallies: [JudgePair: JudgePairAgreement] = [:]
        for judges in byItem.values {
            let names = judges.keys.sorted()
            for (index, first) in names.enumerated() {
                for second in names[(index + 1)...] {
                    let key = JudgePair(first: first, second: second)
                    var tally =
                        tallies[key]
                        ?? JudgePairAgreement(
                            judgeA: first, judgeB: second, items: 0, comparisons: 0, agreements: 0,
                            comparisonsWithoutTies: 0, agreementsWithoutTies: 0)
                    tally.items += 1
                    for a in judges[first]! {
                        for b in judges[second]! {
                            tally.comparisons += 1
                            if a == b { tally.agreements += 1 }
                            if !a.isTie && !b.isTie {
                                tally.comparisonsWithoutTies += 1
                                if a == b { tally.agreementsWithoutTies += 1 }
                            }
                        }
                    }
                    tallies[key] = tally
                }
            }
        }
        return tallies.values.sorted { ($0.judgeA, $0.judgeB) < ($1.judgeA, $1.judgeB) }
    }

    private struct JudgePair: Hashable {
        var first: String
        var second: String
    }

    /// A verdict independent of sides: the winner's name, or a tie (of a kind, when kinds are told apart).
    private enum Verdict: Equatable {
        case win(String)
        case tie
        case bothBad

        init(_ battle: Battle, bothBadIsTie: Bool) {
            switch battle.outcome {
            case .modelA: self = .win(battle.modelA)
            case .modelB: self = .win(battle.modelB)
            case .tie: self = .tie
            case .bothBad: self = bothBadIsTie ? .tie : .bothBad
            }
        }

        var isTie: Bool { if case .win = self { false } else { true } }
    }
}
