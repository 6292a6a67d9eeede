import Foundation
import TallyEngine

/// The reference model DPO, PPO, GRPO and RLOO measure the policy against.
public enum ReferenceModel {
    /// The policy's own base weights with its LoRA adapters switched off: no second copy in memory.
    case adaptersOff
    /// A frozen model (the starting checkpoint's weights) that never trains.
    case frozen(TransformerModel)
}

extension ReferenceModel {
    /// Forward pass of the reference on `batch` (logits divided by `temperature`); its log-probabilities are then
    /// in the returned model's ``TransformerModel/targetLogProbs`` until that model's next forward pass.
    func forward(
        _ batch: TokenBatch, policy: TransformerModel, temperature: Float = 1,
        outputs: ForwardOutputs = .languageModel
    ) throws -> TransformerModel {
        switch self {
        case .adaptersOff:
            policy.lora?.enabled = false
            defer { policy.lora?.enabled = true }
            try policy.forward(batch, outputs: outputs, temperature: temperature)
            return policy
        case .frozen(let frozen):
            try frozen.forward(batch, outputs: outputs, temperature: temperature)
            return frozen
        }
    }
}
