import Foundation
import GRDB

/// The workspace database: every label, prompt, response, checkpoint record and metric.
///
/// SQLite in WAL mode (readers never block the writer), foreign keys enforced, a busy timeout so
/// several `tally` processes can share one file, and `synchronous = FULL` so a committed label is on
/// disk before `submit…` returns (WAL with NORMAL could lose the last commits on power loss).
///
/// ```swift
/// let database = try workspace.openDatabase()
/// let alice = try database.labeler(named: "alice", role: .labeler)
/// ```
public final class TallyDatabase: @unchecked Sendable {
    /// How long a writer waits for another process's write transaction before giving up.
    public static let busyTimeout: TimeInterval = 30

    /// The GRDB connection pool; internal so that only this module writes SQL.
    let pool: DatabasePool

    /// The database file.
    public let url: URL

    /// The operating-system account working in the database: recorded with every label it submits, and
    /// checked for an admin's rights (see ``labelerToWorkAs(_:)``). Always ``SystemAccount/current`` outside
    /// this module's tests.
    public let account: String

    init(pool: DatabasePool, url: URL, account: String) {
        self.pool = pool
        self.url = url
        self.account = account
    }

    /// Opens (creating if missing) the database at `url` and applies every pending migration.
    public static func open(at url: URL) throws -> TallyDatabase {
        try open(at: url, migratingUpTo: nil)
    }

    /// Opens the database and migrates it up to `lastMigration` (every migration when nil).
    /// Tests use this to build a database as an older version of Tally left it.
    public static func open(at url: URL, migratingUpTo lastMigration: String?) throws -> TallyDatabase {
        try open(at: url, migratingUpTo: lastMigration, account: SystemAccount.current)
    }

    /// Opens the database as `account`: tests use it to act as another operating-system account.
    static func open(at url: URL, migratingUpTo lastMigration: String? = nil, account: String) throws
        -> TallyDatabase
    {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "tally"
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: url.path, configuration: configuration)
            // GRDB switches WAL connections to synchronous=NORMAL; we want every commit fsynced.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                // A 32 MiB page cache (the default is 2 MiB) holds a large import's indexes while the pages it
                // fills are spilled to the WAL: faster than keeping a whole import in memory (`tally bench
                // import`: 100,000 pairs make 80 MB of pages, and fresh memory costs page faults) and than
                // smaller caches, which write index pages again and again.
                try db.execute(sql: "PRAGMA cache_size = -32768")
            }
            let migrator = Schema.migrator
            if let lastMigration {
                try migrator.migrate(pool, upTo: lastMigration)
            } else {
                try migrator.migrate(pool)
            }
        } catch let error as DatabaseError {
            throw StoreError.database(error, path: url.path)
        }
        return TallyDatabase(pool: pool, url: url, account: account)
    }

    /// The identifiers of the migrations applied to this database, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Schema.migrator.appliedMigrations(db) }
    }

    /// Closes every connection (the database closes on deinit too).
    public func close() {
        try? pool.close()
    }

    /// Runs `body` in one write transaction (BEGIN IMMEDIATE): all of it commits, or none of it.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.write(body)
        } catch let error as DatabaseError {
            throw StoreError.database(error, path: url.path)
        }
    }

    /// Runs `body` on a consistent snapshot of the database.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch let error as DatabaseError {
            throw StoreError.database(error, path: url.path)
        }
    }
}

/// Errors raised by the store, each naming what went wrong and, where possible, the fix.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    case database(path: String, message: String)
    case notFound(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .database(let path, let message): return "\(path): \(message)"
        case .notFound(let what): return "\(what) not found"
        case .invalid(let why): return why
        }
    }
}
