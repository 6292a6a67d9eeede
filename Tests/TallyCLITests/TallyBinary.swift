import Foundation

/// The built `tally` executable, found next to the test bundle in the build products folder.
enum TallyBinary {
    static let url: URL? = {
        var folders: [URL] = [
            URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        ]
        folders += Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        folders.append(Bundle.main.bundleURL)
        for folder in folders {
            let candidate = folder.appendingPathComponent("tally")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }()

    struct Result {
        var status: Int32
        var output: String
        var error: String
    }

    /// Starts `tally arguments…`; call `finish` on the returned value to wait for it. A `launcher` runs it
    /// through another program: `launcher[0] launcher[1...] tally arguments…`.
    static func start(
        _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:], launcher: [String] = []
    ) throws -> Running {
        guard let url else { throw CocoaError(.fileNoSuchFile) }
        let process = Process()
        if let program = launcher.first {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(launcher.dropFirst()) + [url.path] + arguments
        } else {
            process.executableURL = url
            process.arguments = arguments
        }
        var merged = ProcessInfo.processInfo.environment
        // The developer's own Tally settings must not leak into the tests.
        for key in ["TALLY_WORKSPACE", "TALLY_OPENBLAS_CORETYPE", "TALLY_OPENBLAS_REEXECUTED"] {
            merged.removeValue(forKey: key)
        }
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        if let directory { process.currentDirectoryURL = directory }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        return Running(process: process, output: output, error: error)
    }

    /// Runs `tally arguments…` to completion.
    static func run(
        _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:], launcher: [String] = []
    ) throws -> Result {
        try start(arguments, in: directory, environment: environment, launcher: launcher).finish()
    }

    final class Running {
        let process: Process
        let output: Pipe
        let error: Pipe

        init(process: Process, output: Pipe, error: Pipe) {
            self.process = process
            self.output = output
            self.error = error
        }

        func finish() -> Result {
            // Read both pipes before waiting so that a full pipe never blocks the child.
            let errorBox = DataBox()
            let group = DispatchGroup()
            group.enter()
            DispatchQueue.global().async {
                errorBox.data = self.error.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
            let outData = output.fileHandleForReading.readDataToEndOfFile()
            group.wait()
            let errData = errorBox.data
            process.waitUntilExit()
            return Result(
                status: process.terminationStatus, output: String(decoding: outData, as: UTF8.self),
                error: String(decoding: errData, as: UTF8.self))
        }
    }
}

/// Holds bytes read on another thread (read only after the reader finished).
final class DataBox: @unchecked Sendable {
    var data = Data()
}

/// A fresh temporary folder, removed when the value is released.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("tally-cli-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String, _ lines: [String]) throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        return file
    }
}
