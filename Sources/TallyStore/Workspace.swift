import Foundation
import TallyIO

/// A Tally workspace: a folder holding `tally.sqlite` and `checkpoints/`.
///
/// Commands find the workspace the way git finds a repository:
/// ```swift
/// let workspace = try Workspace.locate(
///     explicit: options.workspace,
///     environment: ProcessInfo.processInfo.environment,
///     currentDirectory: FileManager.default.currentDirectoryPath)
/// let database = try workspace.openDatabase()
/// ```
public struct Workspace: Sendable, Equatable {
    /// The name of the database file inside a workspace folder.
    public static let databaseFileName = "tally.sqlite"
    /// The name of the checkpoint folder inside a workspace folder.
    public static let checkpointsFolderName = "checkpoints"

    /// Whether `name` can name a checkpoint: a folder name that is safe and easy to type (ASCII letters,
    /// digits, '.', '_' and '-', not starting with '.', at most 100 characters).
    public static func isValidCheckpointName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && name.count <= 100
            && name.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "-_.".unicodeScalars.contains(scalar))
            }
    }
    /// The environment variable naming a workspace.
    public static let environmentVariable = "TALLY_WORKSPACE"

    /// The workspace folder.
    public let root: URL

    /// The SQLite database holding every label.
    public var databaseURL: URL { root.appendingPathComponent(Self.databaseFileName) }

    /// The folder holding one sub-folder per checkpoint.
    public var checkpointsURL: URL { root.appendingPathComponent(Self.checkpointsFolderName, isDirectory: true) }

    /// A workspace rooted at `root`, without checking that it exists.
    public init(root: URL) {
        self.root = URL(fileURLWithPath: root.standardizedFileURL.path, isDirectory: true)
    }

    /// True when `folder` holds a workspace database.
    public static func isWorkspace(_ folder: URL) -> Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent(databaseFileName).path)
    }

    /// Creates a workspace in `folder` (made if missing): the database with every migration applied, and the
    /// `checkpoints/` and `instructions/` folders, readable by the owner only or shared with one group (see
    /// ``WorkspaceSharing``). The creating account becomes the workspace's first admin. Creating over an existing
    /// workspace is an error.
    @discardableResult
    public static func create(at folder: URL, sharing: WorkspaceSharing = .ownerOnly) throws -> Workspace {
        let workspace = Workspace(root: folder)
        if isWorkspace(workspace.root) {
            throw WorkspaceError.alreadyExists(workspace.root.path)
        }
        try workspace.prepareFiles(sharing: sharing)
        let database = try TallyDatabase.open(at: workspace.databaseURL)
        database.close()
        return workspace
    }

    /// Finds the workspace: `explicit` (a `--workspace` value) first, then `TALLY_WORKSPACE` in
    /// `environment`, then the nearest folder from `currentDirectory` upwards that holds `tally.sqlite`.
    ///
    /// - Throws: ``WorkspaceError`` naming what was tried when no workspace is found.
    public static func locate(
        explicit: String?, environment: [String: String], currentDirectory: String
    ) throws -> Workspace {
        let base = URL(fileURLWithPath: currentDirectory, isDirectory: true)
        if let explicit, !explicit.isEmpty {
            let folder = URL(fileURLWithPath: explicit, isDirectory: true, relativeTo: base)
            guard isWorkspace(folder) else {
                throw WorkspaceError.notAWorkspace(folder.standardizedFileURL.path, via: "--workspace")
            }
            return Workspace(root: folder)
        }
        if let named = environment[environmentVariable], !named.isEmpty {
            let folder = URL(fileURLWithPath: named, isDirectory: true, relativeTo: base)
            guard isWorkspace(folder) else {
                throw WorkspaceError.notAWorkspace(folder.standardizedFileURL.path, via: environmentVariable)
            }
            return Workspace(root: folder)
        }
        var folder = base.standardizedFileURL
        while true {
            if isWorkspace(folder) { return Workspace(root: folder) }
            let parent = folder.deletingLastPathComponent().standardizedFileURL
            if parent.path == folder.path { break }
            folder = parent
        }
        throw WorkspaceError.notFound(startingAt: base.standardizedFileURL.path)
    }

    /// Opens the workspace database (WAL mode, foreign keys, busy timeout), migrating it if it is older.
    public func openDatabase() throws -> TallyDatabase {
        try TallyDatabase.open(at: databaseURL)
    }

    /// Where checkpoint `name` lives relative to the workspace folder, as the database records it:
    /// `checkpoints/<name>`.
    public static func checkpointPath(name: String) -> String { checkpointsFolderName + "/" + name }

    /// The folder of checkpoint `name`, `checkpoints/<name>/` (not created).
    ///
    /// ```swift
    /// let checkpoint = try Checkpoint.load(from: workspace.checkpointFolder(name: "base"))
    /// ```
    public func checkpointFolder(name: String) -> URL {
        checkpointsURL.appendingPathComponent(name, isDirectory: true)
    }
}

/// Why a workspace could not be found or made.
public enum WorkspaceError: Error, CustomStringConvertible, Equatable {
    case notFound(startingAt: String)
    case notAWorkspace(String, via: String)
    case alreadyExists(String)
    case cannotCreate(String, reason: String)
    case noGuidelines(String)
    case unknownGroup(String)

    public var description: String {
        switch self {
        case .notFound(let start):
            return "no Tally workspace found in \(start) or any parent folder; "
                + "run `tally init` to make one, or pass --workspace DIR or set TALLY_WORKSPACE"
        case .notAWorkspace(let path, let source):
            return "\(path) (from \(source)) is not a Tally workspace: it has no \(Workspace.databaseFileName); "
                + "run `tally init \(path)` first"
        case .alreadyExists(let path):
            return "\(path) already holds a Tally workspace (\(Workspace.databaseFileName))"
        case .cannotCreate(let path, let reason):
            return "cannot create a workspace in \(path): \(reason)"
        case .noGuidelines(let path):
            return "\(path) holds no guidelines (*.md or *.txt files); point --instructions at a folder that does"
        case .unknownGroup(let name):
            return "there is no group named \(name) on this machine; `id -Gn` lists the groups you belong to"
        }
    }
}
