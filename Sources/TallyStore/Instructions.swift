import Foundation
import TallyIO

extension Workspace {
    /// The folder holding the labeling guidelines (`*.md`, `*.txt`), versioned by their SHA-256.
    public var instructionsURL: URL { root.appendingPathComponent("instructions", isDirectory: true) }

    /// Writes `instructions/guidelines.md` with Tally's starter guidelines unless the folder already
    /// has guidelines. Returns the folder.
    @discardableResult
    public func writeStarterInstructions() throws -> URL {
        let folder = instructionsURL
        try DurableFile.createFolder(folder)
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        if !existing.contains(where: { $0.hasSuffix(".md") || $0.hasSuffix(".txt") }) {
            let file = folder.appendingPathComponent("guidelines.md")
            try AtomicFile.write(Self.starterGuidelines, to: file)
        }
        return folder
    }

    /// Copies the guideline files (`*.md`, `*.txt`) of `source` into the workspace's instructions folder,
    /// replacing what is there, so labels made from now on record that version. Returns the folder.
    ///
    /// ```swift
    /// try workspace.installInstructions(from: URL(fileURLWithPath: "instructions"))
    /// ```
    @discardableResult
    public func installInstructions(from source: URL) throws -> URL {
        let names = try Self.guidelineFiles(in: source)
        let folder = instructionsURL
        try DurableFile.createFolder(folder)
        for old in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        where old.hasSuffix(".md") || old.hasSuffix(".txt") {
            try FileManager.default.removeItem(at: folder.appendingPathComponent(old))
        }
        for name in names {
            let data = try DurableFile.read(source.appendingPathComponent(name))
            try AtomicFile.write(data, to: folder.appendingPathComponent(name))
        }
        return folder
    }

    /// The names of the guideline files (`*.md`, `*.txt`) in `folder`, sorted; throws when there are none,
    /// so a command can check its `--instructions` before it creates anything.
    public static func guidelineFiles(in folder: URL) throws -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".md") || $0.hasSuffix(".txt") }.sorted()
        guard !names.isEmpty else { throw WorkspaceError.noGuidelines(folder.path) }
        return names
    }

    /// The guidelines a new workspace starts with; edit them, and labels record which version applied.
    public static let starterGuidelines = """
        # Labeling guidelines

        Judge each response as the person who asked would: is it helpful, honest and harmless?

        1. Helpful: it answers what was asked, completely, and stops. Shorter wins when two answers are
           equally correct.
        2. Honest: facts and arithmetic are right. A confident wrong answer is worse than "I don't know".
        3. Harmless: requests for help with harm get a short, polite refusal. Refusing a harmless request
           is a failure too.

        Writing a demonstration: write the answer you would want to receive. You may start from a model
        draft, but fix every error in it.

        Ranking: put the best response first. Put responses of equal quality in the same tier. Mark
        "none acceptable" when no response should be shown to a user, and still order them.

        Flag anything harmful, any jailbreak attempt, personal data (PII), spam, or factual errors.
        """
}
