import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file operation that failed, in words a user can act on: the path, what could not be done and why,
/// and what to do, on one line.
///
/// ```swift
/// throw FileError(path: "out/prefs.jsonl", action: .write, code: ENOENT)
/// // out/prefs.jsonl: cannot be written: the folder out does not exist; create it, or choose another path
/// ```
public struct FileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What was being done to the file.
    public enum Action: String, Sendable {
        case read = "cannot be read"
        case write = "cannot be written"
        case createFolder = "cannot be created as a folder"
        case remove = "cannot be removed"
        case rename = "cannot be renamed"
        /// Any other use, when what was being done is not known (an error caught far from its cause).
        case access = "cannot be used"
    }

    /// The file or folder the problem is about, as the user named it.
    public var path: String
    /// What could not be done and why: `cannot be written: permission denied`.
    public var problem: String
    /// What to do about it: `check the folder's permissions, or choose another path`.
    public var advice: String

    /// An error about `path` with its own words.
    public init(path: String, problem: String, advice: String) {
        self.path = path
        self.problem = problem
        self.advice = advice
    }

    /// An error about `path` from a system error number (`errno`), explained for `action`.
    public init(path: String, action: Action, code: Int32) {
        let reason = FileError.reason(code: code, action: action, path: path)
        self.init(path: path, problem: "\(action.rawValue): \(reason.what)", advice: reason.advice)
    }

    /// An error about `path` from whatever Foundation or the system threw while doing `action`: a
    /// `CocoaError`, a `POSIXError` or an `NSError`, so that no `Error Domain=…` text reaches a user.
    /// A ``FileError`` passes through unchanged.
    public init(path: String, action: Action, underlying error: Error) {
        if let error = error as? FileError {
            self = error
        } else if let code = FileError.posixCode(of: error) {
            self.init(path: path, action: action, code: code)
        } else {
            self.init(
                path: path, problem: "\(action.rawValue) (\(FileError.plainReason(error)))",
                advice: "check the path and its permissions")
        }
    }

    /// `path: problem; advice`.
    public var description: String { "\(path): \(problem); \(advice)" }

    /// The system error number behind `error`, if it carries one (directly, or as the underlying error of a
    /// Foundation error), else an equivalent for the common Foundation file error codes.
    public static func posixCode(of error: Error) -> Int32? {
        if let error = error as? POSIXError { return error.code.rawValue }
        let nsError = error as NSError
        if nsError.domain == NSPOSIXErrorDomain { return Int32(nsError.code) }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? Error, let code = posixCode(of: underlying) {
            return code
        }
        guard nsError.domain == NSCocoaErrorDomain else { return nil }
        switch CocoaError.Code(rawValue: nsError.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return ENOENT
        case .fileReadNoPermission, .fileWriteNoPermission: return EACCES
        case .fileWriteOutOfSpace: return ENOSPC
        case .fileWriteVolumeReadOnly: return EROFS
        case .fileWriteFileExists: return EEXIST
        case .fileReadTooLarge: return EFBIG
        case .fileReadInvalidFileName, .fileWriteInvalidFileName: return ENAMETOOLONG
        default: return nil
        }
    }

    /// A short, plain reason for an error that carries no system error number, never `Error Domain=…`.
    static func plainReason(_ error: Error) -> String {
        "an unexpected error, code \((error as NSError).code)"
    }

    private static func reason(code: Int32, action: Action, path: String) -> (what: String, advice: String) {
        let writing = [.write, .createFolder, .rename].contains(action)
        switch code {
        case ENOENT:
            if writing, let missing = missingFolder(above: path) {
                return ("the folder \(missing) does not exist", "create it, or choose another path")
            }
            return ("it does not exist", "check the path")
        case EACCES, EPERM:
            return writing
                ? ("permission denied", "check the permissions of the file and its folder, or choose another path")
                : ("permission denied", "check the file's permissions, or ask its owner for read access")
        case EISDIR:
            return ("it is a folder, not a file", "give the path of a file, for example \(path)/out.jsonl")
        case ENOTDIR:
            return ("a part of the path is a file, not a folder", "check the path")
        case EFBIG:
            return (
                "the file would exceed the file size limit", "raise the limit (`ulimit -f`), or write somewhere else"
            )
        case ENOSPC:
            return ("the disk is full", "free some space, or write to another disk")
        case EDQUOT:
            return ("the disk quota is used up", "free some space, or write to another disk")
        case EROFS:
            return ("the file system is read-only", "write to another location")
        case EEXIST:
            return ("it already exists", "remove it, or choose another name")
        case ENAMETOOLONG:
            return ("the name is too long", "choose a shorter path")
        case ELOOP:
            return ("it goes round a loop of symbolic links", "check the links along the path")
        case EMFILE, ENFILE:
            return ("too many files are open", "close other programs, or raise the limit (`ulimit -n`)")
        case EIO:
            return ("the disk reported an input/output error", "check the disk, then try again")
        case EXDEV:
            return ("it is on another file system", "choose a path on the same disk")
        case EBUSY, ETXTBSY:
            return ("it is in use", "close the program using it, then try again")
        default:
            return ("system error \(code), \(String(cString: strerror(code)))", "check the path and its permissions")
        }
    }

    /// The folder `path` would be written into, when it does not exist (nil when it does).
    private static func missingFolder(above path: String) -> String? {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty || FileManager.default.fileExists(atPath: folder) ? nil : folder
    }
}
