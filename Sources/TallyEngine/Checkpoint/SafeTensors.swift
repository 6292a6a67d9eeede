import Foundation

/// The tensors and metadata of one safetensors file.
public struct SafeTensorsFile: Equatable, Sendable {
    /// The tensors, in the order their data appears in the file.
    public var tensors: [TensorEntry]
    /// The `__metadata__` string map of the header (empty when the file has none).
    public var metadata: [String: String]

    /// Makes a file's contents.
    public init(tensors: [TensorEntry], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensors by name.
    public var tensorsByName: [String: TensorEntry] { tensors.byName }
}

extension Sequence<TensorEntry> {
    /// The tensors by name (the first of two with one name), the form `loadHuggingFaceTensors` and
    /// `AdamW.importState` take.
    var byName: [String: TensorEntry] {
        Dictionary(map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

/// Reads and writes the safetensors format used by Hugging Face checkpoints.
///
/// A file is an 8-byte little-endian header length `N`, then `N` bytes of JSON header mapping each tensor
/// name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets into the data that follows) plus an
/// optional `"__metadata__"` map of strings, then the raw little-endian tensor data.
/// Tally writes `F32` and reads `F32`, `F16`, `BF16` and `F64`, converting to `Float`.
///
/// ```swift
/// let bytes = try SafeTensors.encode([TensorEntry(name: "w", shape: [2, 3], values: [1, 2, 3, 4, 5, 6])])
/// let file = try SafeTensors.decode(bytes, path: "w.safetensors")
/// assert(file.tensors[0].values == [1, 2, 3, 4, 5, 6])
/// ```
public enum SafeTensors {
    /// Headers larger than this are refused as corrupt (the reference implementation's limit too).
    public static let maximumHeaderBytes = 100_000_000

    /// The bytes of a safetensors file holding `tensors` as `F32`, in the given order, with `metadata`.
    ///
    /// Throws when two tensors share a name or a tensor's values do not match its shape.
    public static func encode(_ tensors: [TensorEntry], metadata: [String: String] = [:]) throws -> Data {
        var seen = Set<String>()
        var header = "{"
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(JSONText.quoted($0)):\(JSONText.quoted(metadata[$0] ?? ""))" }
            header += "\"__metadata__\":{" + pairs.joined(separator: ",") + "}"
        }
        var offset = 0
        var needsComma = !metadata.isEmpty
        for tensor in tensors {
            guard tensor.name != "__metadata__", seen.insert(tensor.name).inserted else {
                throw CheckpointError(
                    path: tensor.name, problem: "a tensor name may appear only once and may not be __metadata__")
            }
            guard tensor.shape.allSatisfy({ $0 >= 0 }), tensor.count == tensor.values.count else {
                throw CheckpointError(
                    path: tensor.name,
                    problem:
                        "shape \(tensor.shape) needs \(tensor.count) values but the tensor holds \(tensor.values.count)"
                )
            }
            let end = offset + tensor.values.count * 4
            if needsComma { header += "," }
            needsComma = true
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            header +=
                "\(JSONText.quoted(tensor.name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],"
                + "\"data_offsets\":[\(offset),\(end)]}"
            offset = end
        }
        header += "}"
        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }

        var data = Data(capacity: 8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: headerBytes)
        for tensor in tensors {
            appendLittleEndian(tensor.values, to: &data)
        }
        return data
    }

    /// Writes `tensors` to `url` atomically (temporary file, `fsync`, rename), replacing a file already there.
    public static func write(_ tensors: [TensorEntry], metadata: [String: String] = [:], to url: URL) throws {
        try CheckpointFile.replace(url, with: try encode(tensors, metadata: metadata))
    }

    /// Reads the safetensors file at `url`.
    public static func read(contentsOf url: URL) throws -> SafeTensorsFile {
        try decode(try CheckpointFile.read(url), path: url.path)
    }

    /// Parses the bytes of a safetensors file; `path` names the file in errors.
    ///
    /// Refuses files whose header is not valid, whose tensors overlap, leave gaps, run past the end of the
    /// file or do not match their shapes, and files with bytes left over after the last tensor.
    public static func decode(_ data: Data, path: String = "<memory>") throws -> SafeTensorsFile {
        func fail(_ problem: String) -> CheckpointError { CheckpointError(path: path, problem: problem) }
        let truncatedHint = "(the file is truncated or is not a safetensors file)"
        guard data.count >= 8 else {
            throw fail("holds \(data.count) bytes, fewer than the 8-byte header length \(truncatedHint)")
        }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(maximumHeaderBytes) else {
            throw fail(
                "declares a \(headerLength)-byte header, more than the \(maximumHeaderBytes) allowed \(truncatedHint)")
        }
        let headerEnd = 8 + Int(headerLength)
        guard headerEnd <= data.count else {
            throw fail(
                "declares a \(headerLength)-byte header but only \(data.count - 8) bytes follow \(truncatedHint)")
        }
        let headerData = data.subdata(in: (data.startIndex + 8)..<(data.startIndex + headerEnd))
        guard headerData.first == UInt8(ascii: "{") else {
            throw fail("the header does not start with '{' \(truncatedHint)")
        }
        let header = try JSONText.object(headerData, path: path + " (header)")

        var metadata: [String: String] = [:]
        if let rawMetadata = header["__metadata__"] {
            guard let map = rawMetadata as? [String: Any] else { throw fail("__metadata__ must be a map of strings") }
            for (key, value) in map {
                guard let string = value as? String else { throw fail("__metadata__ value \"\(key)\" is not a string") }
                metadata[key] = string
            }
        }

        struct Slot { var name: String; var dtype: DType; var shape: [Int]; var begin: Int; var end: Int }
        var slots: [Slot] = []
        for (name, rawInfo) in header where name != "__metadata__" {
            guard let info = rawInfo as? [String: Any] else { throw fail("tensor \"\(name)\" has no description") }
            guard let dtypeName = info["dtype"] as? String else { throw fail("tensor \"\(name)\" has no dtype") }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw fail("tensor \"\(name)\" has dtype \(dtypeName); Tally reads F32, F16, BF16 and F64")
            }
            guard let rawShape = info["shape"] as? [Any] else { throw fail("tensor \"\(name)\" has no shape") }
            let shape = rawShape.compactMap { JSONText.integer($0) }
            guard shape.count == rawShape.count, shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("tensor \"\(name)\" has a shape that is not a list of non-negative integers")
            }
            guard let offsets = info["data_offsets"] as? [Any], offsets.count == 2,
                let begin = JSONText.integer(offsets[0]), let end = JSONText.integer(offsets[1]), 0 <= begin,
                begin <= end
            else { throw fail("tensor \"\(name)\" has data_offsets that are not two ordered byte offsets") }
            let (elements, overflow) = shape.reduce((1, false)) { partial, dimension in
                let product = partial.0.multipliedReportingOverflow(by: dimension)
                return (product.partialValue, partial.1 || product.overflow)
            }
            guard !overflow, elements.multipliedReportingOverflow(by: dtype.byteWidth).overflow == false,
                elements * dtype.byteWidth == end - begin
            else {
                throw fail(
                    "tensor \"\(name)\" of shape \(shape) and dtype \(dtypeName) needs "
                        + "\(elements * dtype.byteWidth) bytes but its data_offsets span \(end - begin)")
            }
            slots.append(Slot(name: name, dtype: dtype, shape: shape, begin: begin, end: end))
        }
        slots.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }

        let dataLength = data.count - headerEnd
        var expectedBegin = 0
        for slot in slots {
            guard slot.begin == expectedBegin else {
                let relation = slot.begin < expectedBegin ? "overlaps the tensor before it" : "leaves a gap before it"
                throw fail(
                    "tensor \"\(slot.name)\" \(relation) (data_offsets [\(slot.begin), \(slot.end)]); "
                        + "the header is corrupt"
                )
            }
            guard slot.end <= dataLength else {
                throw fail(
                    "tensor \"\(slot.name)\" needs bytes up to \(slot.end) but the file holds \(dataLength) "
                        + "after its header (the file is truncated; write it again)")
            }
            expectedBegin = slot.end
        }
        guard expectedBegin == dataLength else {
            throw fail("holds \(dataLength - expectedBegin) bytes after the last tensor; the file is corrupt")
        }

        var tensors: [TensorEntry] = []
        tensors.reserveCapacity(slots.count)
        data.withUnsafeBytes { raw in
            let body = UnsafeRawBufferPointer(rebasing: raw[headerEnd...])
            for slot in slots {
                let bytes = UnsafeRawBufferPointer(rebasing: body[slot.begin..<slot.end])
                tensors.append(TensorEntry(name: slot.name, shape: slot.shape, values: slot.dtype.floats(from: bytes)))
            }
        }
        return SafeTensorsFile(tensors: tensors, metadata: metadata)
    }

    private static func appendLittleEndian(_ values: [Float], to data: inout Data) {
        #if _endian(little)
            values.withUnsafeBytes { data.append(contentsOf: $0) }
        #else
            for value in values {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
        #endif
    }
}

/// The element types Tally can read from a safetensors file.
enum DType: String {
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"
    case f64 = "F64"

    var byteWidth: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .f64: return 8
        }
    }

    /// Converts little-endian elements to `Float`.
    func floats(from bytes: UnsafeRawBufferPointer) -> [Float] {
        let count = bytes.count / byteWidth
        switch self {
        case .f32:
            #if _endian(little)
                return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes)
                    initialized = count
                }
            #else
                return (0..<count).map {
                    Float(
                        bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
                }
            #endif
        case .f16:
            return (0..<count).map {
                halfToFloat(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)))
            }
        case .bf16:
            return (0..<count).map {
                let bits = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))
                return Float(bitPattern: UInt32(bits) << 16)
            }
        case .f64:
            return (0..<count).map {
                Float(
                    Double(
                        bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))))
            }
        }
    }
}

/// IEEE 754 half precision to single precision, exactly (every half value is a float value).
func halfToFloat(_ bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = Int((bits >> 10) & 0x1F)
    let mantissa = UInt32(bits & 0x3FF)
    if exponent == 0x1F {  // infinity or NaN
        return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    }
    if exponent == 0 {  // zero or subnormal: mantissa × 2^-24
        let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
        return sign == 0 ? magnitude : -magnitude
    }
    return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
}
