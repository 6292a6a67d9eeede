import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Who besides its owner may read and write a workspace's files.
///
/// Labels are people's work and prompts can hold private data, so a workspace is private by default; a team on
/// one machine shares it through a Unix group.
///
/// ```swift
/// try Workspace.create(at: folder)                                            // owner only
/// try Workspace.create(at: folder, sharing: try .group(named: "labelers"))    // owner and the group
/// ```
public enum WorkspaceSharing: Hashable, Sendable {
    /// Only the owner: folders 0700, files 0600.
    case ownerOnly
    /// The owner and one Unix group: folders 2770 (setgid, so files made in them later keep the group), files 0660.
    case group(id: gid_t, name: String)

    /// Sharing with the group called `name` (or numbered `name`).
    ///
    /// - Throws: ``WorkspaceError/unknownGroup(_:)`` when the machine has no such group.
    public static func group(named name: String) throws -> WorkspaceSharing {
        guard let id = SystemAccount.groupID(named: name) else { throw WorkspaceError.unknownGroup(name) }
        return .group(id: id, name: SystemAccount.name(ofGroup: id))
    }

    /// The permission bits of the workspace's folders.
    public var folderMode: mode_t {
        switch self {
        case .ownerOnly: return 0o700
        case .group: return 0o2770
        }
    }

    /// The permission bits of the workspace's files.
    public var fileMode: mode_t {
        switch self {
        case .ownerOnly: return 0o600
        case .group: return 0o660
        }
    }

    /// The umask under which Tally creates files while it works in the workspace.
    public var creationMask: mode_t {
        switch self {
        case .ownerOnly: return 0o077
        case .group: return 0o007
        }
    }

    /// How `tally init` and `tally status` describe it.
    public var summary: String {
        switch self {
        case .ownerOnly: return "private to you (folders 700, files 600)"
        case .group(_, let name): return "shared with group \(name) (folders 2770, files 660)"
        }
    }
}

extension Workspace {
    /// How the workspace is shared, read from its database file: a group-writable database marks a workspace
    /// made with `tally init --group`; anything else is treated as private.
    public var sharing: WorkspaceSharing {
        var info = stat()
        guard stat(databaseURL.path, &info) == 0, info.st_mode & 0o020 != 0 else { return .ownerOnly }
        return .group(id: info.st_gid, name: SystemAccount.name(ofGroup: info.st_gid))
    }

    /// Sets the process's umask to the workspace's ``WorkspaceSharing/creationMask``, so that every file Tally
    /// creates from now on (checkpoints, instructions, exports) is private, or shared with the workspace's group.
    public func useSharingForNewFiles() {
        umask(sharing.creationMask)
    }

    /// The workspace's files and folders that every account on the machine can read: the database and its WAL
    /// and shared-memory files, `checkpoints/` and `instructions/`.
    public func pathsReadableByOthers() -> [URL] {
        let paths = [
            databaseURL, URL(fileURLWithPath: databaseURL.path + "-wal"),
            URL(fileURLWithPath: databaseURL.path + "-shm"),
            checkpointsURL, instructionsURL,
        ]
        return paths.filter { url in
            var info = stat()
            return stat(url.path, &info) == 0 && info.st_mode & 0o004 != 0
        }
    }

    /// A one-line warning naming the files every account can read and the command that makes them private,
    /// or nil when there are none.
    public func readableByOthersWarning() -> String? {
        let exposed = pathsReadableByOthers()
        guard !exposed.isEmpty else { return nil }
        let names = exposed.map(\.lastPathComponent).joined(separator: ", ")
        let quoted = exposed.map { "'" + $0.path.replacingOccurrences(of: "'", with: #"'\''"#) + "'" }
        return "warning: every account on this machine can read \(names) in \(root.path); "
            + "make them private with: chmod -R o-rwx " + quoted.joined(separator: " ")
    }

    /// Makes the workspace folder (when missing), `checkpoints/`, `instructions/` and an empty database file with
    /// `sharing`'s owner, group and modes. An existing workspace folder keeps its mode when private; shared, it
    /// gets the group and group read, write and setgid bits, so that the database's WAL files have the group.
    func prepareFiles(sharing: WorkspaceSharing) throws {
        let rootExisted = FileManager.default.fileExists(atPath: root.path)
        try makeFolder(root, sharing: sharing, keepMode: rootExisted)
        try makeFolder(checkpointsURL, sharing: sharing, keepMode: false)
        try makeFolder(instructionsURL, sharing: sharing, keepMode: false)
        let descriptor = open(databaseURL.path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, sharing.fileMode)
        guard descriptor >= 0 else { throw failure(databaseURL, errno) }
        defer { close(descriptor) }
        if case .group(let id, let name) = sharing, fchown(descriptor, uid_t.max, id) != 0 {
            throw groupFailure(databaseURL, name: name, errno)
        }
        guard fchmod(descriptor, sharing.fileMode) == 0 else { throw failure(databaseURL, errno) }
    }

    private func makeFolder(_ folder: URL, sharing: WorkspaceSharing, keepMode: Bool) throws {
        try makeFolderAndParents(folder, mode: sharing.folderMode & 0o777)
        var mode = sharing.folderMode
        if keepMode {
            guard case .group = sharing else { return }
            var info = stat()
            guard stat(folder.path, &info) == 0 else { throw failure(folder, errno) }
            mode = (info.st_mode & 0o7777) | sharing.folderMode & 0o2070
        }
        if case .group(let id, let name) = sharing, chown(folder.path, uid_t.max, id) != 0 {
            throw groupFailure(folder, name: name, errno)
        }
        guard chmod(folder.path, mode) == 0 else { throw failure(folder, errno) }
    }

    /// `mkdir -p`: the folder is made with `mode` (never more open than that), its parents as the umask says.
    private func makeFolderAndParents(_ folder: URL, mode: mode_t) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw failure(folder, ENOTDIR) }
            return
        }
        let parent = folder.deletingLastPathComponent()
        if parent.path != folder.path { try makeFolderAndParents(parent, mode: 0o777) }
        guard mkdir(folder.path, mode) == 0 || errno == EEXIST else { throw failure(folder, errno) }
    }

    private func failure(_ url: URL, _ code: Int32) -> WorkspaceError {
        let hint = code == EACCES || code == EROFS ? "; choose a folder you can write to" : ""
        return .cannotCreate(root.path, reason: "\(url.path): \(String(cString: strerror(code)))\(hint)")
    }

    private func groupFailure(_ url: URL, name: String, _ code: Int32) -> WorkspaceError {
        guard code == EPERM else { return failure(url, code) }
        return .cannotCreate(
            root.path,
            reason: "cannot give \(url.path) to group \(name): only its owner can, and only to a group they belong "
                + "to (`id -Gn` lists your groups)")
    }
}
