/// A command's failure outside any one file's parsing, printed as is on one line, without the usage text that
/// argument errors get: `throw CommandError("\(path): cannot be written (\(reason))")`.
struct CommandError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
