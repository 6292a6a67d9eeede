import Foundation
import GRDB

extension TallyDatabase {
    /// The labeler called `name`, created with `role` if new (an existing labeler keeps their role).
    ///
    /// ```swift
    /// let alice = try database.labeler(named: "alice", role: .labeler)
    /// ```
    public func labeler(named name: String, role: LabelerRole = .labeler) throws -> Labeler {
        let trimmed = try Self.labelerName(name)
        return try write { db in
            try Self.labeler(db, named: trimmed) ?? Self.insertLabeler(db, named: trimmed, role: role)
        }
    }

    /// Every labeler, by name.
    public func labelers() throws -> [Labeler] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, role FROM labeler ORDER BY name").map(Self.labeler)
        }
    }

    private static func labeler(_ row: Row) -> Labeler {
        Labeler(id: row["id"], name: row["name"], role: LabelerRole(rawValue: row["role"]) ?? .labeler)
    }

    /// `name` without surrounding spaces; an empty name is refused.
    static func labelerName(_ name: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw StoreError.invalid("a labeler needs a non-empty name") }
        return trimmed
    }

    /// The labeler called `name` (already trimmed), nil when there is none.
    static func labeler(_ db: Database, named name: String) throws -> Labeler? {
        try Row.fetchOne(db, sql: "SELECT id, name, role FROM labeler WHERE name = ?", arguments: [name])
            .map(labeler)
    }

    /// Adds labeler `name` (already trimmed, not yet taken) with `role`.
    static func insertLabeler(_ db: Database, named name: String, role: LabelerRole) throws -> Labeler {
        try db.execute(
            sql: "INSERT INTO labeler (name, role, createdAt) VALUES (?, ?, ?)",
            arguments: [name, role.rawValue, Date.nowTimestamp])
        return Labeler(id: db.lastInsertedRowID, name: name, role: role)
    }

    // MARK: - Instructions

    /// Records `text` as the current labeling guidelines. The same text (by SHA-256) is stored once;
    /// recording an older text again makes that version current again.
    @discardableResult
    public func recordInstructions(text: String) throws -> InstructionVersion {
        let hash = ContentHash.sha256Hex(text)
        return try write { db in
            let id: Int64
            if let existing = try Int64.fetchOne(
                db, sql: "SELECT id FROM instructionVersion WHERE hash = ?", arguments: [hash])
            {
                id = existing
            } else {
                try db.execute(
                    sql: "INSERT INTO instructionVersion (hash, text, createdAt) VALUES (?, ?, ?)",
                    arguments: [hash, text, Date.nowTimestamp])
                id = db.lastInsertedRowID
            }
            try db.execute(
                sql: "INSERT OR REPLACE INTO setting (key, value) VALUES ('instructions.current', ?)",
                arguments: [String(id)])
            return InstructionVersion(id: id, hash: hash, text: text)
        }
    }

    /// Records the guidelines in `folder` (every `.md` and `.txt` file, by name, joined) as current.
    /// Returns nil when the folder has no such file.
    @discardableResult
    public func recordInstructions(fromFolder folder: URL) throws -> InstructionVersion? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let files = names.filter { $0.hasSuffix(".md") || $0.hasSuffix(".txt") }.sorted()
        guard !files.isEmpty else { return nil }
        var parts: [String] = []
        for name in files {
            let url = folder.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path),
                let text = String(data: data, encoding: .utf8)
            else { throw StoreError.invalid("\(url.path): cannot read the file as UTF-8 text") }
            parts.append(files.count == 1 ? text : "<!-- \(name) -->\n" + text)
        }
        return try recordInstructions(text: parts.joined(separator: "\n"))
    }

    /// The guidelines labelers work under now, or nil if none were recorded.
    public func currentInstructionVersion() throws -> InstructionVersion? {
        try read { db in try Self.currentInstructionVersion(db) }
    }

    static func currentInstructionVersion(_ db: Database) throws -> InstructionVersion? {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT id, hash, text FROM instructionVersion
                    WHERE id = (SELECT CAST(value AS INTEGER) FROM setting WHERE key = 'instructions.current')
                    """)
        else { return nil }
        return InstructionVersion(id: row["id"], hash: row["hash"], text: row["text"])
    }
}
