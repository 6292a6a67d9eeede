import Foundation
import Testing

@testable import TallyTrain

/// The reward model's ranking losses: values from their formulas and gradients against finite differences.
@Suite struct RankingLossTests {
    /// ∂loss/∂r against central differences for every loss, with ties, a margin and centring.
    @Test(arguments: [RewardLoss.bradleyTerry, .plackettLuce])
    func gradientsMatchFiniteDifferences(kind: RewardLoss) {
        let rewards = [0.3, -1.2, 2.0, 0.7, -0.1]
        let tiers = [[2], [0, 3], [1], [4]]
        let loss = RankingLoss.of(rewards: rewards, tiers: tiers, kind: kind, margin: 0.4, centerCoefficient: 0.05)
        for i in rewards.indices {
            var up = rewards
            var down = rewards
            up[i] += 1e-5
            down[i] -= 1e-5
            let numeric =
                (RankingLoss.of(rewards: up, tiers: tiers, kind: kind, margin: 0.4, centerCoefficient: 0.05).loss
                    - RankingLoss.of(rewards: down, tiers: tiers, kind: kind, margin: 0.4, centerCoefficient: 0.05)
                    .loss) / 2e-5
            #expect(abs(numeric - loss.gradients[i]) < 1e-6, "reward \(i): \(numeric) vs \(loss.gradients[i])")
        }
    }

    /// Bradley–Terry averages −log σ(r_c − r_r − m) over the C(K,2) non-tied pairs; tied pairs give nothing.
    @Test func bradleyTerryAveragesTheNonTiedPairs() {
        let loss = RankingLoss.of(rewards: [1, 0, 0], tiers: [[0], [1, 2]], kind: .bradleyTerry, margin: 0.5)
        let expected = log(1 + exp(-0.5))  // both pairs have r_c − r_r − m = 0.5
        #expect(abs(loss.loss - expected) < 1e-12)
        #expect(loss.pairs == 2 && loss.correctPairs == 2)
    }

    /// For two responses, Plackett–Luce is Bradley–Terry; for three strict tiers, it is the product of the
    /// first choice among three and the second among two.
    @Test func plackettLuceFollowsItsFormula() {
        let two = RankingLoss.of(rewards: [0.2, 1.1], tiers: [[1], [0]], kind: .plackettLuce)
        let bt = RankingLoss.of(rewards: [0.2, 1.1], tiers: [[1], [0]], kind: .bradleyTerry)
        #expect(abs(two.loss - bt.loss) < 1e-12)
        let r = [1.0, 0.0, -1.0]
        let three = RankingLoss.of(rewards: r, tiers: [[0], [1], [2]], kind: .plackettLuce)
        let first = -(r[0] - log(exp(r[0]) + exp(r[1]) + exp(r[2])))
        let second = -(r[1] - log(exp(r[1]) + exp(r[2])))
        #expect(abs(three.loss - (first + second) / 2) < 1e-12)
    }
}
