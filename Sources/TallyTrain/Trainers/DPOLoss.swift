import Foundation

/// The preference losses `tally train dpo` offers. With the policy's and the reference's summed log-probabilities
/// of the chosen (c) and rejected (r) completions, h = [log π(c) − log π_ref(c)] − [log π(r) − log π_ref(r)]:
public enum DPOLossKind: String, CaseIterable, Codable, Sendable {
    /// −log σ(βh) (Rafailov et al. 2023); with label smoothing ε, −(1−ε) log σ(βh) − ε log σ(−βh) (cDPO).
    case sigmoid
    /// [−(1−ε) log σ(βh) + ε log σ(−βh)] / (1 − 2ε) (Chowdhury et al. 2024), unbiased under label noise ε.
    case robust
    /// (h̄ − 1/(2β))², each log-ratio divided by its completion's length (IPO, Azar et al. 2023, as TRL).
    case ipo
    /// max(0, 1 − βh) (SLiC).
    case hinge
}

/// One pair's DPO loss and its derivatives with respect to the policy's summed log-probabilities.
public struct DPOPairLoss: Equatable, Sendable {
    public var loss: Double
    /// ∂loss/∂ log π(chosen) and ∂loss/∂ log π(rejected).
    public var chosenGradient: Double
    public var rejectedGradient: Double
    /// β[log π(c) − log π_ref(c)] and β[log π(r) − log π_ref(r)]: TRL's `rewards/chosen` and `rewards/rejected`.
    public var chosenReward: Double
    public var rejectedReward: Double

    /// The loss of one pair. `chosenLength` and `rejectedLength` (completion tokens) matter only for IPO.
    public static func of(
        kind: DPOLossKind, beta: Double, labelSmoothing: Double = 0, policyChosen: Double, policyRejected: Double,
        referenceChosen: Double, referenceRejected: Double, chosenLength: Int = 1, rejectedLength: Int = 1
    ) -> DPOPairLoss {
        let chosenRatio = policyChosen - referenceChosen
        let rejectedRatio = policyRejected - referenceRejected
        let h = chosenRatio - rejectedRatio
        let eps = labelSmoothing
        var loss = 0.0
        var slope = 0.0  // ∂loss/∂h, for every loss but IPO
        switch kind {
        case .sigmoid:
            loss = (1 - eps) * softplus(-beta * h) + eps * softplus(beta * h)
            slope = -beta * (1 - eps) * sigmoid(-beta * h) + beta * eps * sigmoid(beta * h)
        case .robust:
            loss = ((1 - eps) * softplus(-beta * h) - eps * softplus(beta * h)) / (1 - 2 * eps)
            slope = (-beta * (1 - eps) * sigmoid(-beta * h) - beta * eps * sigmoid(beta * h)) / (1 - 2 * eps)
        case .hinge:
            loss = max(0, 1 - beta * h)
            slope = 1 - beta * h > 0 ? -beta : 0
        case .ipo:
            let c = Double(max(1, chosenLength))
            let r = Double(max(1, rejectedLength))
            let gap = chosenRatio / c - rejectedRatio / r - 1 / (2 * beta)
            return DPOPairLoss(
                loss: gap * gap, chosenGradient: 2 * gap / c, rejectedGradient: -2 * gap / r,
                chosenReward: beta * chosenRatio, rejectedReward: beta * rejectedRatio)
        }
        return DPOPairLoss(
            loss: loss, chosenGradient: slope, rejectedGradient: -slope, chosenReward: beta * chosenRatio,
            rejectedReward: beta * rejectedRatio)
    }

    /// log(1 + eˣ) without overflow.
    static func softplus(_ x: Double) -> Double { RankingLoss.softplus(x) }
    static func sigmoid(_ x: Double) -> Double { RankingLoss.sigmoid(x) }
}
