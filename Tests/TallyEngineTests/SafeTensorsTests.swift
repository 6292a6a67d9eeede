import Foundation
import Testing

@testable import TallyEngine

/// A fresh temporary folder for one test.
func makeTemporaryFolder(_ label: String = "tally-test") throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

/// Deterministic pseudo-random floats for test tensors.
func testValues(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<count).map { _ in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Float(Int64(bitPattern: state) % 2_000_001) / 1_000_000
    }
}

/// A safetensors file built by hand, for dtypes Tally does not write.
func handMadeSafeTensors(header: String, data: [UInt8]) -> Data {
    var bytes = Data()
    let headerBytes = Array(header.utf8)
    withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { bytes.append(contentsOf: $0) }
    bytes.append(contentsOf: headerBytes)
    bytes.append(contentsOf: data)
    return bytes
}

func bitPatterns(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

@Test func safeTensorsRoundTripIsBitIdenticalForOddShapesAndSpecialValues() throws {
    let special: [Float] = [
        0, -0.0, .infinity, -.infinity, .nan, Float(bitPattern: 0x7FC0_1234), .leastNonzeroMagnitude,
        .greatestFiniteMagnitude, -1e-30, 1,
    ]
    let tensors = [
        TensorEntry(name: "odd", shape: [3, 5, 7], values: testValues(105, seed: 1)),
        TensorEntry(name: "scalar", shape: [], values: [42.5]),
        TensorEntry(name: "empty", shape: [0], values: []),
        TensorEntry(name: "empty.middle", shape: [2, 0, 3], values: []),
        TensorEntry(name: "special", shape: [special.count], values: special),
        TensorEntry(name: "unicode.名前.😀", shape: [1, 1], values: [7]),
    ]
    let bytes = try SafeTensors.encode(tensors)
    let file = try SafeTensors.decode(bytes, path: "odd.safetensors")
    #expect(file.metadata.isEmpty)
    #expect(file.tensors.map(\.name) == tensors.map(\.name))
    for (read, written) in zip(file.tensors, tensors) {
        #expect(read.shape == written.shape)
        #expect(bitPatterns(read.values) == bitPatterns(written.values))
    }
    // Writing what was read gives the same bytes again.
    #expect(try SafeTensors.encode(file.tensors) == bytes)
}

@Test func safeTensorsRoundTripManyTensorsWithMetadataThroughAFile() throws {
    let folder = try makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let tensors = (0..<300).map { index in
        TensorEntry(
            name: "layer.\(index).weight", shape: [index % 7 + 1, index % 5 + 1],
            values: testValues((index % 7 + 1) * (index % 5 + 1), seed: UInt64(index)))
    }
    let metadata = ["format": "pt", "note": "quotes \" and \\ and\nnewline", "ünïcode": "✓"]
    let url = folder.appendingPathComponent("many.safetensors")
    try SafeTensors.write(tensors, metadata: metadata, to: url)
    let file = try SafeTensors.read(contentsOf: url)
    #expect(file.metadata == metadata)
    #expect(file.tensors.count == 300)
    let byName = file.tensorsByName
    for tensor in tensors {
        #expect(byName[tensor.name]?.shape == tensor.shape)
        #expect(byName[tensor.name].map { bitPatterns($0.values) } == bitPatterns(tensor.values))
    }
    // The data starts 8-byte aligned, as the reference writer guarantees.
    let bytes = try Data(contentsOf: url)
    let headerLength = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    #expect((8 + headerLength) % 8 == 0)
}

@Test func safeTensorsReadsHalfBFloatAndDoubleAsFloat() throws {
    // F16: 1, -2.5, 65504 (largest), 2^-24 (smallest subnormal), +inf
    let half: [UInt16] = [0x3C00, 0xC100, 0x7BFF, 0x0001, 0x7C00]
    // BF16: 1, -2.5, 3.140625
    let bfloat: [UInt16] = [0x3F80, 0xC020, 0x4049]
    var data: [UInt8] = []
    for value in half + bfloat { withUnsafeBytes(of: value.littleEndian) { data += $0 } }
    withUnsafeBytes(of: (0.1 as Double).bitPattern.littleEndian) { data += $0 }
    let header =
        #"{"h":{"dtype":"F16","shape":[5],"data_offsets":[0,10]},"#
        + #""b":{"dtype":"BF16","shape":[3],"data_offsets":[10,16]},"#
        + #""d":{"dtype":"F64","shape":[1],"data_offsets":[16,24]}}"#
    let file = try SafeTensors.decode(handMadeSafeTensors(header: header, data: data), path: "mixed.safetensors")
    let byName = file.tensorsByName
    #expect(byName["h"]?.values == [1, -2.5, 65504, Float(sign: .plus, exponent: -24, significand: 1), .infinity])
    #expect(byName["b"]?.values == [1, -2.5, 3.140625])
    #expect(byName["d"]?.values == [Float(0.1)])
}

@Test func safeTensorsRefusesTruncatedFilesNamingTheFile() throws {
    let bytes = try SafeTensors.encode([TensorEntry(name: "w", shape: [4, 4], values: testValues(16, seed: 3))])
    let headerEnd = 8 + Int(bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
    for cut in [0, 5, 8, 20, headerEnd - 1, headerEnd, headerEnd + 3, bytes.count - 1] {
        let error = #expect(throws: CheckpointError.self) {
            try SafeTensors.decode(bytes.prefix(cut), path: "cut.safetensors")
        }
        #expect(error?.path == "cut.safetensors")
        #expect(
            error?.description.contains("truncated") == true
                || error?.description.contains("not a safetensors") == true,
            "cut at \(cut): \(error?.description ?? "")")
    }
}

@Test func safeTensorsRefusesCorruptHeadersWithClearErrors() throws {
    let four: [UInt8] = [UInt8](repeating: 0, count: 16)
    let cases: [(String, [UInt8], String)] = [
        ("not json", four, "does not start with '{'"),
        ("{not json}", four, "not valid JSON"),
        (#"{"w":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}"#, four, "dtype I64"),
        (#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}"#, four, "needs 12 bytes"),
        (
            #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"#
                + #""b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#,
            four, "overlaps"
        ),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#, four, "gap"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, four, "after the last tensor"),
        (#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,8]}}"#, four, "shape"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, four, "data_offsets"),
        (#"{"__metadata__":{"k":1}}"#, [], "not a string"),
    ]
    for (header, data, expected) in cases {
        let error = #expect(throws: CheckpointError.self) {
            try SafeTensors.decode(handMadeSafeTensors(header: header, data: data), path: "bad.safetensors")
        }
        #expect(error?.description.contains(expected) == true, "\(header): \(error?.description ?? "no error")")
        #expect(error?.description.hasPrefix("bad.safetensors") == true)
    }
    // A header length field far beyond the file.
    var huge = Data(count: 16)
    huge.withUnsafeMutableBytes { $0.storeBytes(of: UInt64(1 << 40).littleEndian, as: UInt64.self) }
    #expect(throws: CheckpointError.self) { try SafeTensors.decode(huge, path: "huge.safetensors") }
}

@Test func safeTensorsWriterRefusesDuplicateNamesAndShapeMismatches() {
    #expect(throws: CheckpointError.self) {
        try SafeTensors.encode([
            TensorEntry(name: "a", shape: [1], values: [1]), TensorEntry(name: "a", shape: [1], values: [2]),
        ])
    }
    #expect(throws: CheckpointError.self) {
        try SafeTensors.encode([TensorEntry(name: "a", shape: [2, 2], values: [1, 2, 3])])
    }
}

@Test func safeTensorsReadingAMissingFileNamesIt() {
    let error = #expect(throws: CheckpointError.self) {
        try SafeTensors.read(contentsOf: URL(fileURLWithPath: "/nonexistent/model.safetensors"))
    }
    #expect(error?.description == "/nonexistent/model.safetensors: cannot be read: it does not exist; check the path")
    let writeError = #expect(throws: CheckpointError.self) {
        try SafeTensors.write([], to: URL(fileURLWithPath: "/nonexistent/out.safetensors"))
    }
    #expect(writeError?.path == "/nonexistent/out.safetensors")
}

@Test func safeTensorsWriteReplacesAnExistingFileWhole() throws {
    let folder = try makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("w.safetensors")
    try SafeTensors.write([TensorEntry(name: "a", shape: [100], values: testValues(100, seed: 1))], to: url)
    try SafeTensors.write([TensorEntry(name: "b", shape: [2], values: [1, 2])], to: url)
    #expect(try SafeTensors.read(contentsOf: url).tensors == [TensorEntry(name: "b", shape: [2], values: [1, 2])])
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["w.safetensors"])
}
