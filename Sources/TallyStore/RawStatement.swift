import Foundation
import GRDB
import GRDBSQLite

/// A prepared statement bound and stepped through SQLite's C API, for the import's hot inserts where
/// building GRDB `StatementArguments` for every row costs more than the insert itself.
///
/// Texts and blobs are copied once into a buffer the statement owns and bound without SQLite copying
/// them again (`SQLITE_STATIC`); the buffer outlives the step, and every parameter is bound on every
/// run, so old bindings never need clearing.
struct RawInsert {
    private let statement: Statement
    private let db: Database
    private let parameterCount: Int
    /// The UTF-8 of this run's texts and the bytes of its blobs, end to end.
    private var bytes: [UInt8] = []
    /// Where each text or blob value starts in `bytes` and how long it is, by parameter index.
    private var spans: [(start: Int, count: Int)] = []

    init(_ db: Database, sql: String) throws {
        self.db = db
        statement = try db.makeStatement(sql: sql)
        parameterCount = Int(sqlite3_bind_parameter_count(statement.sqliteStatement))
        spans = Array(repeating: (0, 0), count: parameterCount)
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
    mutating func run(_ values: Value...) throws {
        try run(values)
    }

    /// Binds `values` to the statement's parameters in order, runs it to completion and resets it.
    mutating func run(_ values: [Value]) throws {
        precondition(values.count == parameterCount, "every parameter must be bound on every run")
        bytes.removeAll(keepingCapacity: true)
        for (index, value) in values.enumerated() {
            switch value {
            case .text(let text):
                let start = bytes.count
                bytes.append(contentsOf: text.utf8)
                spans[index] = (start, bytes.count - start)
            case .blob(let data):
                let start = bytes.count
                bytes.append(contentsOf: data)
                spans[index] = (start, bytes.count - start)
            case .integer, .real, .null:
                break
            }
        }
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        try bytes.withUnsafeBufferPointer { buffer in
            // SQLite wants a non-null pointer for an empty text or blob (null would bind NULL).
            let base = UnsafeRawPointer(buffer.baseAddress) ?? UnsafeRawPointer(Self.emptyBytes)
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
                case .text:
                    let span = spans[index]
                    code = sqlite3_bind_text(
                        handle, position, (base + span.start).assumingMemoryBound(to: CChar.self), Int32(span.count),
                        Self.static)
                case .blob:
                    let span = spans[index]
                    code = sqlite3_bind_blob(handle, position, base + span.start, Int32(span.count), Self.static)
                }
                guard code == SQLITE_OK else { throw error(code) }
            }
            let code = sqlite3_step(handle)
            guard code == SQLITE_DONE else { throw error(code) }
        }
    }

    private func error(_ code: Int32) -> DatabaseError {
        let message = sqlite3_errmsg(db.sqliteConnection).map { String(cString: $0) } ?? "SQLite error \(code)"
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
    }

    /// SQLite uses the bound bytes in place (SQLITE_STATIC): `bytes` is unchanged until after the step.
    /// Between runs the statement still points at them, so nothing may read its bound values then
    /// (`sqlite3_expanded_sql`, say); binding, resetting and finalizing never do.
    private static let `static` = unsafeBitCast(0, to: sqlite3_destructor_type.self)
    /// A byte to point at when the buffer is empty.
    private static let emptyBytes: UnsafeMutablePointer<UInt8> = {
        let byte = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        byte.initialize(to: 0)
        return byte
    }()
}

/// Rows buffered and inserted many per statement (`INSERT … VALUES (…), (…), …`), which saves most of
/// SQLite's per-statement work on bulk imports. Rows must carry their own ids.
struct BatchInsert {
    /// Rows per multi-row statement.
    static let rowsPerStatement = 64

    private var single: RawInsert
    private var batch: RawInsert
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
