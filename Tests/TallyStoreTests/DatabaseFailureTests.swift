import Foundation
import GRDB
import Testing

@testable import TallyStore

/// SQLite failures on the workspace database read as what happened and what to do, without GRDB's words.
@Suite struct DatabaseFailureTests {
    private func message(_ code: ResultCode) -> String {
        let error = DatabaseError(resultCode: code, message: "raw sqlite text")
        return StoreError.database(error, path: "/ws/tally.sqlite").description
    }

    @Test func commonFailuresSayWhatToDo() {
        #expect(message(.SQLITE_READONLY).hasPrefix("/ws/tally.sqlite: the workspace database is read-only for you"))
        #expect(message(.SQLITE_READONLY).contains("nothing was changed"))
        #expect(message(.SQLITE_FULL).contains("the disk is full"))
        #expect(message(.SQLITE_CANTOPEN).contains("cannot be opened"))
        #expect(message(.SQLITE_BUSY).contains("run the command again"))
        #expect(message(.SQLITE_NOTADB).contains("not a Tally workspace database"))
        for code in [ResultCode.SQLITE_READONLY, .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_CANTOPEN] {
            #expect(!message(code).contains("raw sqlite text"))
            #expect(!message(code).contains("DatabaseError"))
        }
    }

    @Test func otherFailuresKeepSQLitesMessageAndCode() {
        #expect(message(.SQLITE_CONSTRAINT).contains("\"raw sqlite text\" (SQLite code 19)"))
    }

    @Test func aDatabaseThatIsNotOneIsNamed() throws {
        let temp = try TemporaryFolder()
        let file = temp.url.appendingPathComponent("tally.sqlite")
        try Data(repeating: 0x41, count: 4096).write(to: file)
        let error = #expect(throws: StoreError.self) { try TallyDatabase.open(at: file) }
        #expect(
            error?.description.hasPrefix("\(file.path): is not a Tally workspace database") == true,
            "\(String(describing: error))")
    }
}
