import ArgumentParser
import TallyEngine
import TallyTrain

/// Runs `body` like ``reportingErrors(_:)``, also printing checkpoint, engine and sampling errors as one
/// clear line and exiting with status 1.
func reportingModelErrors<T>(_ body: () throws -> T) throws -> T {
    try reportingErrors {
        do {
            return try body()
        } catch let error as CheckpointError {
            TerminalText.printError("error: \(error.description)")
        } catch let error as CheckpointCommandError {
            TerminalText.printError("error: \(error.description)")
        } catch let error as SamplerError {
            TerminalText.printError("error: \(error.description)")
        } catch let error as EngineError {
            TerminalText.printError("error: \(error.description)")
        }
        throw ExitCode.failure
    }
}
