/// One named tensor at the checkpoint boundary: a Hugging Face name, its shape, and its values in row-major order.
///
/// Models export their weights as `[TensorEntry]` with exact Hugging Face names and layouts
/// (`transformer.h.0.attn.c_attn.weight`, `model.layers.0.self_attn.q_proj.weight`, ...), and the
/// safetensors writer stores them as `F32` tensors. The optimizer exports its moments the same way.
///
/// ```swift
/// let entry = TensorEntry(name: "transformer.wte.weight", shape: [65, 128], values: embedding)
/// assert(entry.count == 65 * 128)
/// ```
public struct TensorEntry: Equatable, Sendable {
    /// The tensor's name, e.g. `transformer.wte.weight`.
    public var name: String
    /// The tensor's shape, outermost dimension first (row-major).
    public var shape: [Int]
    /// The tensor's values, row-major; `values.count` equals the product of `shape`.
    public var values: [Float]

    /// Makes an entry; `values.count` should equal the product of `shape`.
    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }

    /// The number of elements the shape describes.
    public var count: Int { shape.reduce(1, *) }
}
