import Testing

@testable import TallyArena

/// How often judges agree on the same items.
@Suite struct JudgeAgreementTests {
    private func vote(_ item: String, _ judge: String, _ a: String, _ b: String, _ outcome: BattleOutcome)
        -> JudgedBattle
    {
        JudgedBattle(item: item, judge: judge, battle: Battle(a, b, outcome))
    }

    @Test func verdictsCompareByWinnerWhicheverSideItWasOn() {
        let agreement = JudgeAgreement.pairwise([
            vote("p1", "oracle", "sft", "base", .modelA),
            vote("p1", "rm:rm", "base", "sft", .modelB),  // sides swapped, same winner
            vote("p2", "oracle", "sft", "base", .modelB),
            vote("p2", "rm:rm", "sft", "base", .modelA),  // disagree
            vote("p3", "oracle", "sft", "base", .tie),
            vote("p3", "rm:rm", "base", "sft", .bothBad),  // both ties: agree
            vote("p4", "oracle", "sft", "base", .tie),
            vote("p4", "rm:rm", "sft", "base", .modelA),  // tie vs a winner: disagree
            vote("p5", "oracle", "sft", "base", .modelA),  // judged by the oracle alone
        ])
        #expect(agreement.count == 1)
        let pair = agreement[0]
        #expect(pair.judgeA == "oracle" && pair.judgeB == "rm:rm")
        #expect(pair.items == 4 && pair.comparisons == 4 && pair.agreements == 2)
        #expect(pair.comparisonsWithoutTies == 2 && pair.agreementsWithoutTies == 1)
        #expect(pair.rate == 0.5 && pair.rateWithoutTies == 0.5)
    }

    @Test func bothBadCanBeToldApartFromATie() {
        let votes = [vote("p", "a", "x", "y", .tie), vote("p", "b", "x", "y", .bothBad)]
        #expect(JudgeAgreement.pairwise(votes)[0].agreements == 1)
        #expect(JudgeAgreement.pairwise(votes, bothBadIsTie: false)[0].agreements == 0)
        #expect(JudgeAgreement.pairwise(votes)[0].rateWithoutTies == nil)
    }

    @Test func everyPairOfJudgesAndEveryPairOfVotesCounts() {
        let agreement = JudgeAgreement.pairwise([
            vote("p", "human", "x", "y", .modelA),
            vote("p", "human", "x", "y", .modelB),  // two people under one judge kind
            vote("p", "oracle", "x", "y", .modelA),
            vote("p", "rm", "y", "x", .modelB),
            vote("q", "oracle", "x", "y", .modelA),
            vote("q", "rm", "x", "y", .modelA),
        ])
        #expect(agreement.map { "\($0.judgeA)|\($0.judgeB)" } == ["human|oracle", "human|rm", "oracle|rm"])
        #expect(agreement[0].items == 1 && agreement[0].comparisons == 2 && agreement[0].agreements == 1)
        #expect(agreement[1].comparisons == 2 && agreement[1].agreements == 1)
        #expect(agreement[2].items == 2 && agreement[2].comparisons == 2 && agreement[2].rate == 1)
    }

    @Test func noSharedItemsNoEntries() {
        #expect(JudgeAgreement.pairwise([vote("p", "a", "x", "y", .tie), vote("q", "b", "x", "y", .tie)]).isEmpty)
        #expect(JudgeAgreement.pairwise([]).isEmpty)
    }
}
