import Foundation
import GRDB
import GRDBSQLite

/// A prepared statement bound and stepped through SQLite's C API, for the import's hot inserts where
/// building GRDB `StatementArguments` for every row costs more than the insert itself.
struct RawInsert {
    private let statement: Statement
    private let db: Database

    init(_ db: Database, sql: String) throws {
        self.db = db
        statement = try db.makeStatement(sql: sql)
    }

    /// A value to bind.
    enum Value {
        case integer(Int64)
        case real(Double)
        case text(String)
        case blob(Data)
        case null
    }

    /// Binds `values` to the statement's parameters in order, runs it to completion and resets it.
    func run(_ values: Value...) throws {
        try run(values)
    }

    /// Binds `values` to the statement's parameters in order, runs it to completion and resets it.
    func run(_ values: [Value]) throws {
        let handle = statement.sqliteStatement
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        for (index, value) in values.enumerated() {
            let position = Int32(index + 1)
            let code: Int32
            switch value {
            case .integer(let number):
                code = sqlite3_bind_int64(handle, position, number)
            case .real(let number):
                code = sqlite3_bind_double(handle, position, number)
            case .null:
                code = sqlite3_bind_null(handle, position)
            case .blob(let data):
                code = data.withUnsafeBytes { bytes in
                    sqlite3_bind_blob(handle, position, bytes.baseAddress, Int32(bytes.count), Self.transient)
                }
            case .text(let text) where text.isEmpty:
                code = sqlite3_bind_text(handle, position, "", 0, Self.transient)
            case .text(var text):
                code = text.withUTF8 { bytes in
                    sqlite3_bind_text(
                        handle, position,
                        bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                        Int32(bytes.count), Self.transient)
                }
            }
            guard code == SQLITE_OK else { throw error(code) }
        }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else { throw error(code) }
    }

    private func error(_ code: Int32) -> DatabaseError {
        let message = sqlite3_errmsg(db.sqliteConnection).map { String(cString: $0) } ?? "SQLite error \(code)"
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
    }

    /// SQLite copies the bound text (SQLITE_TRANSIENT): our buffers do not outlive the call.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// Rows buffered and inserted many per statement (`INSERT … VALUES (…), (…), …`), which saves most of
/// SQLite's per-statement work on bulk imports. Rows must carry their own ids.
struct BatchInsert {
    /// Rows per multi-row statement.
    static let rowsPerStatement = 64

    private let single: RawInsert
    private let batch: RawInsert
    private let columnCount: Int
    private var pending: [RawInsert.Value] = []

    /// - Parameter table: `name (column, …)`; `columnCount` must match the columns listed.
    init(_ db: Database, into table: String, columnCount: Int) throws {
        let row = "(" + Array(repeating: "?", count: columnCount).joined(separator: ", ") + ")"
        single = try RawInsert(db, sql: "INSERT INTO \(table) VALUES \(row)")
        batch = try RawInsert(
            db,
            sql: "INSERT INTO \(table) VALUES "
                + Array(repeating: row, count: Self.rowsPerStatement).joined(separator: ", "))
        self.columnCount = columnCount
        pending.reserveCapacity(columnCount * Self.rowsPerStatement)
    }

    /// Buffers one row; full batches are written at once.
    mutating func append(_ values: RawInsert.Value...) throws {
        precondition(values.count == columnCount, "a row must give every column")
        pending += values
        if pending.count == columnCount * Self.rowsPerStatement {
            try batch.run(pending)
            pending.removeAll(keepingCapacity: true)
        }
    }

    /// Writes the buffered rows.
    mutating func flush() throws {
        var start = 0
        while start < pending.count {
            try single.run(Array(pending[start..<start + columnCount]))
            start += columnCount
        }
        pending.removeAll(keepingCapacity: true)
    }
}
