import Foundation

/// Where a training run stands, saved as `trainer_state.json` beside the optimizer state so a run can resume
/// exactly: the step, the random generator's state and the position in the data.
///
/// ```swift
/// var state = TrainerState(trainer: "sft", step: 120, rngState: rng.state, dataCursor: 960)
/// state.values["learning_rate"] = 3e-4
/// ```
public struct TrainerState: Codable, Equatable, Sendable {
    /// Which trainer wrote the state: `sft`, `reward`, `dpo`, `ppo`, ...
    public var trainer: String
    /// Optimizer steps taken so far.
    public var step: Int
    /// The random generator's state words, restored on resume (stored as hex strings, exact for 64 bits).
    public var rngState: [UInt64]
    /// How many training examples have been consumed, so a resumed run continues where it stopped.
    public var dataCursor: Int
    /// Named numbers a trainer wants back on resume (learning rate, best validation loss, ...).
    public var values: [String: Double]
    /// Named strings a trainer wants back on resume (run id, parent checkpoint, ...).
    public var strings: [String: String]

    /// Makes a trainer state.
    public init(
        trainer: String, step: Int, rngState: [UInt64] = [], dataCursor: Int = 0,
        values: [String: Double] = [:], strings: [String: String] = [:]
    ) {
        self.trainer = trainer
        self.step = step
        self.rngState = rngState
        self.dataCursor = dataCursor
        self.values = values
        self.strings = strings
    }

    /// Parses the contents of a `trainer_state.json`; `path` names the file in errors.
    init(jsonData data: Data, path: String) throws {
        do {
            self = try JSONDecoder().decode(TrainerState.self, from: data)
        } catch {
            throw CheckpointError(path: path, problem: "is not a valid trainer state: \(JSONProblem.describe(error))")
        }
    }

    private enum CodingKeys: String, CodingKey {
        case trainer, step
        case rngState = "rng_state"
        case dataCursor = "data_cursor"
        case values, strings
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        trainer = try container.decode(String.self, forKey: .trainer)
        step = try container.decode(Int.self, forKey: .step)
        let words = try container.decodeIfPresent([String].self, forKey: .rngState) ?? []
        rngState = try words.map { word in
            guard let value = UInt64(word, radix: 16) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .rngState, in: container, debugDescription: "\"\(word)\" is not a hexadecimal 64-bit word")
            }
            return value
        }
        dataCursor = try container.decodeIfPresent(Int.self, forKey: .dataCursor) ?? 0
        values = try container.decodeIfPresent([String: Double].self, forKey: .values) ?? [:]
        strings = try container.decodeIfPresent([String: String].self, forKey: .strings) ?? [:]
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(trainer, forKey: .trainer)
        try container.encode(step, forKey: .step)
        try container.encode(rngState.map { String($0, radix: 16) }, forKey: .rngState)
        try container.encode(dataCursor, forKey: .dataCursor)
        try container.encode(values, forKey: .values)
        try container.encode(strings, forKey: .strings)
    }
}
