/// A problem of the model commands (sample, eval, checkpoint, demo) outside any one file, printed as is.
struct ModelCommandError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
