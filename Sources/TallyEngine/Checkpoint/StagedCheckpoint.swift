import Foundation

/// A checkpoint fully written and flushed in a temporary folder beside its destination, waiting to be
/// moved into place by ``commit()``. Made by ``Checkpoint/stage(for:)``.
public struct StagedCheckpoint: Sendable {
    /// The hidden temporary folder holding the new files (`.<name>.tmp-<uuid>` beside the destination).
    public let temporaryFolder: URL
    /// Where the checkpoint goes.
    public let destination: URL
    /// The files written, with their SHA-256.
    public let manifest: CheckpointManifest

    static let temporaryMarker = ".tmp-"
    static let previousMarker = ".old-"

    /// Moves the staged folder into place atomically, replacing any checkpoint at the destination,
    /// and flushes the parent folder so the rename itself survives a crash.
    public func commit() throws {
        try commit(allowingExchange: true)
    }

    /// ``commit()``; tests turn the atomic swap off to exercise the two-rename path other systems take.
    func commit(allowingExchange: Bool) throws {
        let parent = destination.deletingLastPathComponent()
        if FileManager.default.fileExists(atPath: destination.path) {
            if allowingExchange && CheckpointFile.exchange(temporaryFolder, destination) {
                // The temporary name now holds the previous checkpoint.
                try CheckpointFile.syncFolder(parent)
                try? FileManager.default.removeItem(at: temporaryFolder)
                return
            }
            // No atomic swap here: move the old folder aside first. A crash between the two renames leaves
            // both complete folders beside the destination, and load(from:) says where they are.
            let previous = parent.appendingPathComponent(
                ".\(destination.lastPathComponent)\(Self.previousMarker)\(UUID().uuidString)")
            try CheckpointFile.rename(destination, to: previous)
            try CheckpointFile.rename(temporaryFolder, to: destination)
            try CheckpointFile.syncFolder(parent)
            try? FileManager.default.removeItem(at: previous)
        } else {
            try CheckpointFile.rename(temporaryFolder, to: destination)
            try CheckpointFile.syncFolder(parent)
        }
        Self.removeLeftovers(of: destination)
    }

    /// Removes temporary folders an interrupted save of `folder` left behind, and set-aside previous
    /// checkpoints once `folder` itself exists again (until then a set-aside copy may be the only one).
    static func removeLeftovers(of folder: URL) {
        let destinationExists = FileManager.default.fileExists(atPath: folder.path)
        for leftover in leftovers(of: folder) {
            if leftover.lastPathComponent.contains(previousMarker) && !destinationExists { continue }
            try? FileManager.default.removeItem(at: leftover)
        }
    }

    /// Folders beside `folder` that an interrupted save left behind.
    static func leftovers(of folder: URL) -> [URL] {
        let parent = folder.deletingLastPathComponent()
        let prefix = "." + folder.lastPathComponent
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        return names.filter { name in
            name.hasPrefix(prefix + temporaryMarker) || name.hasPrefix(prefix + previousMarker)
        }.sorted().map { parent.appendingPathComponent($0) }
    }

    /// A hint for a missing checkpoint folder when an interrupted save left a complete copy beside it.
    static func interruptedSaveHint(for folder: URL) -> String {
        let previous = leftovers(of: folder).filter { $0.lastPathComponent.contains(previousMarker) }
        guard let first = previous.first else { return "" }
        return " (a save was interrupted; the previous checkpoint is at \(first.path): rename it back)"
    }
}
