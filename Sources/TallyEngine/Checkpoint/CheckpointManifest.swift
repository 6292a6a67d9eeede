import Crypto
import Foundation

/// The list of a checkpoint's files with their sizes and SHA-256 digests, saved as `tally-manifest.json`
/// and checked on every load so that a truncated or altered file is refused rather than half-read.
///
/// ```json
/// {
///   "format": "tally-checkpoint",
///   "version": 1,
///   "files": {
///     "config.json": {"bytes": 412, "sha256": "9f86d0…"},
///     "model.safetensors": {"bytes": 1048712, "sha256": "2c26b4…"}
///   }
/// }
/// ```
public struct CheckpointManifest: Equatable, Sendable {
    /// The manifest's file name inside a checkpoint folder.
    public static let fileName = "tally-manifest.json"
    /// The value of the `format` field.
    public static let format = "tally-checkpoint"

    /// One file's size and digest.
    public struct FileRecord: Equatable, Sendable {
        /// The file's size in bytes.
        public var bytes: Int
        /// The SHA-256 of the file's bytes, as 64 lowercase hex digits.
        public var sha256: String

        /// Records `data`'s size and digest.
        public init(of data: Data) {
            bytes = data.count
            sha256 = CheckpointManifest.sha256Hex(data)
        }

        /// Makes a record from known values.
        public init(bytes: Int, sha256: String) {
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    /// The files, by name inside the checkpoint folder.
    public var files: [String: FileRecord]

    /// Makes a manifest.
    public init(files: [String: FileRecord]) {
        self.files = files
    }

    /// SHA-256 of `data` as lowercase hex.
    public static func sha256Hex(_ data: Data) -> String {
        SHA256.hash(data: data).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }

    /// The manifest as JSON text, files in name order.
    public func jsonData() -> Data {
        let lines = files.keys.sorted().map { name -> String in
            let record = files[name] ?? FileRecord(bytes: 0, sha256: "")
            return
                "    \(JSONText.quoted(name)): {\"bytes\": \(record.bytes), "
                + "\"sha256\": \(JSONText.quoted(record.sha256))}"
        }
        let text =
            "{\n  \"format\": \"\(Self.format)\",\n  \"version\": 1,\n  \"files\": {\n"
            + lines.joined(separator: ",\n") + "\n  }\n}\n"
        return Data(text.utf8)
    }

    /// Parses a manifest; `path` names the file in errors.
    public init(jsonData data: Data, path: String) throws {
        let object = try JSONText.object(data, path: path)
        guard object["format"] as? String == Self.format else {
            throw CheckpointError(
                path: path, problem: "is not a Tally checkpoint manifest (\"format\" is not \"\(Self.format)\")")
        }
        guard let version = JSONText.integer(object["version"]), version == 1 else {
            throw CheckpointError(path: path, problem: "has a manifest version this Tally does not know; upgrade Tally")
        }
        guard let rawFiles = object["files"] as? [String: Any] else {
            throw CheckpointError(path: path, problem: "has no \"files\" map")
        }
        var files: [String: FileRecord] = [:]
        for (name, rawRecord) in rawFiles {
            guard let record = rawRecord as? [String: Any], let bytes = JSONText.integer(record["bytes"]),
                let digest = record["sha256"] as? String, digest.count == 64
            else {
                throw CheckpointError(
                    path: path, problem: "the entry for \"\(name)\" needs \"bytes\" and a 64-digit \"sha256\"")
            }
            // A file of the folder, or of one companion subfolder (`value/model.safetensors`), never outside it.
            let parts = name.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, parts.allSatisfy({ !$0.isEmpty && $0 != ".." && $0 != "." }),
                parts.count == 1 || Checkpoint.isCompanionName(String(parts[0]))
            else {
                throw CheckpointError(
                    path: path, problem: "names \"\(name)\", which is not a file inside the checkpoint folder")
            }
            files[name] = FileRecord(bytes: bytes, sha256: digest.lowercased())
        }
        self.files = files
    }

    /// Reads `name` from `folder` and checks it against its record; returns the verified bytes.
    func verifiedContents(of name: String, in folder: URL) throws -> Data {
        let url = folder.appendingPathComponent(name)
        guard let record = files[name] else {
            throw CheckpointError(path: url.path, problem: "is not listed in \(Self.fileName)")
        }
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CheckpointError(
                path: url.path,
                problem: "is missing but \(Self.fileName) lists it; restore it or save the checkpoint again")
        }
        let data = try CheckpointFile.read(url)
        guard data.count == record.bytes else {
            let shape = data.count < record.bytes ? "truncated" : "longer than saved"
            throw CheckpointError(
                path: url.path,
                problem: "is \(data.count) bytes but \(Self.fileName) records \(record.bytes) (the file is \(shape); "
                    + "restore it or save the checkpoint again)")
        }
        let digest = Self.sha256Hex(data)
        guard digest == record.sha256 else {
            throw CheckpointError(
                path: url.path,
                problem:
                    "has SHA-256 \(digest) but \(Self.fileName) records \(record.sha256) (the file is corrupt or was "
                    + "changed after saving; restore it or save the checkpoint again)")
        }
        return data
    }
}
