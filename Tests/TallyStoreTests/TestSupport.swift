import Foundation

@testable import TallyStore

/// A fresh temporary folder, removed when the value is released.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("tally-store-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `lines` joined by newlines to `name` and returns its URL.
    func file(_ name: String, _ lines: [String]) throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        return file
    }

    /// A new workspace in a sub-folder, with its database open.
    func workspace(_ name: String = "ws") throws -> (Workspace, TallyDatabase) {
        let workspace = try Workspace.create(at: url.appendingPathComponent(name, isDirectory: true))
        return (workspace, try workspace.openDatabase())
    }
}

extension String {
    /// The lines of a text file's contents.
    static func lines(of url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true).map(
            String.init)
    }
}
