/// A checkpoint, safetensors or tokenizer file that Tally refuses to read or could not write.
///
/// The description names the file, says what is wrong and, where there is one, what to do:
///
/// ```
/// checkpoints/7/model.safetensors: tensor "transformer.wte.weight" needs 2048 bytes but the file
/// holds 1024 after its header (the file is truncated; write the checkpoint again)
/// ```
public struct CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file (or folder) the problem is in.
    public var path: String
    /// What is wrong, in words a user can act on.
    public var problem: String

    /// Makes an error about `path`.
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}
