import ArgumentParser
import TallyEngine
import TallyTrain

/// Runs `body` like ``reportingTrainingErrors(_:)``, also printing sampling and checkpoint-command errors as
/// one clear line and exiting with status 1.
func reportingModelErrors<T>(_ body: () throws -> T) throws -> T {
    try reportingTrainingErrors {
        do {
            return try body()
        } catch let error as ModelCommandError {
            TerminalText.printError("error: \(error.description)")
        } catch let error as SamplerError {
            TerminalText.printError("error: \(error.description)")
        }
        throw ExitCode.failure
    }
}

/// A problem of the model commands (sample, eval, checkpoint, demo) outside any one file, printed as is.
struct ModelCommandError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
