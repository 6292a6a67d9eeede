import GRDB

extension StoreError {
    /// A SQLite failure on the workspace database at `path`, in words a user can act on: what went wrong and
    /// what to do, never GRDB's or SQLite's type names. A failed statement's transaction is rolled back, so the
    /// database is as it was.
    static func database(_ error: DatabaseError, path: String) -> StoreError {
        let explanation: String
        switch error.resultCode {
        case .SQLITE_READONLY:
            explanation =
                "the workspace database is read-only for you, so nothing was changed; ask its owner for write "
                + "access to the file and its folder, or work on a copy"
        case .SQLITE_CANTOPEN:
            explanation =
                "cannot be opened; check that it exists and that you may read and write it and its folder "
                + "(SQLite keeps \(Workspace.databaseFileName)-wal and -shm files beside it)"
        case .SQLITE_PERM, .SQLITE_AUTH:
            explanation = "permission denied, so nothing was changed; check the permissions of the file and its folder"
        case .SQLITE_FULL:
            explanation = "the disk is full, so nothing was changed; free some space and run the command again"
        case .SQLITE_IOERR:
            explanation =
                "a disk read or write failed, so nothing was changed; check the disk, the free space and the file "
                + "size limit (`ulimit -f`), then run the command again"
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            explanation =
                "another tally process kept the workspace busy for over \(Int(TallyDatabase.busyTimeout)) s; "
                + "run the command again when it has finished"
        case .SQLITE_CORRUPT:
            explanation = "is damaged (SQLite reports corruption); restore it from a backup"
        case .SQLITE_NOTADB:
            explanation = "is not a Tally workspace database (not a SQLite file); check the path"
        default:
            explanation =
                "the database reported \"\(error.message ?? "an error")\" (SQLite code \(error.resultCode.rawValue))"
        }
        return .database(path: path, message: explanation)
    }
}
