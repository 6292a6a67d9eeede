import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `tally` command: one subcommand per job.
@main
struct Tally: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tally",
        abstract: "A terminal workbench for human feedback on language models.",
        subcommands: [
            Init.self, Import.self, Export.self, Status.self, Label.self, WorldCommand.self, SimulateCommand.self,
            SampleCommand.self, EvalCommand.self, CheckpointCommand.self, TokenizerCommand.self, Pretrain.self,
            Generate.self, TrainCommand.self, RewardModelCommand.self, RunsCommand.self, ArenaCommand.self,
            DemoCommand.self, Bench.self, Debug.self, LabelerCommand.self,
        ]
    )

    /// Picks OpenBLAS's fastest safe kernels (may re-execute the process), parses the command line and runs the
    /// command. Any failure ends as one line on standard error and exit status 1 (``FailureMessage``);
    /// ArgumentParser reports usage errors itself.
    static func main() {
        OpenBLASSetup.selectFastestKernels()
        // Past the file size limit, a write then fails with EFBIG, which is reported, instead of killing us.
        signal(SIGXFSZ, SIG_IGN)
        var command: ParsableCommand
        do {
            command = try parseAsRoot(nil)
        } catch {
            exit(withError: error)
        }
        do {
            try command.run()
        } catch  where FailureMessage.isArgumentParserError(error) {
            exit(withError: error)
        } catch {
            let name = commandPath(of: type(of: command))
            TerminalText.printError("error: " + FailureMessage.text(for: error, command: name))
            exit(withError: ExitCode.failure)
        }
    }

    /// `tally export prefs` for the type of `export prefs`.
    static func commandPath(of type: ParsableCommand.Type) -> String {
        func search(_ node: ParsableCommand.Type, _ path: [String]) -> [String]? {
            let here = path + [node._commandName]
            if ObjectIdentifier(node) == ObjectIdentifier(type) { return here }
            for child in node.configuration.subcommands {
                if let found = search(child, here) { return found }
            }
            return nil
        }
        return (search(Tally.self, []) ?? ["tally"]).joined(separator: " ")
    }
}
