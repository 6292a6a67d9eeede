import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Operating-system accounts and groups, looked up by their numeric ids.
///
/// Tally's labeler identity is the account of the process's real user id: `$USER` and `$LOGNAME` are ordinary
/// environment variables anyone can set, the user id is not.
///
/// ```swift
/// SystemAccount.current      // "ada"
/// ```
public enum SystemAccount {
    /// The name of the account this process runs as (its real user id).
    public static var current: String { name(ofUser: getuid()) }

    /// The name of user `uid`, or `uid-N` when the system has no entry for it (as in some containers).
    public static func name(ofUser uid: uid_t) -> String {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let status = getpwuid_r(uid, &entry, &buffer, buffer.count, &result)
        guard status == 0, result != nil, let name = entry.pw_name, name.pointee != 0 else { return "uid-\(uid)" }
        return String(cString: name)
    }

    /// The name of the account owning the file at `path`, or nil when it cannot be read.
    public static func owner(ofFile path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return name(ofUser: info.st_uid)
    }

    /// The id of group `name`, which may also be a number; nil when the system knows no such group.
    public static func groupID(named name: String) -> gid_t? {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 65_536)
        if getgrnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil { return entry.gr_gid }
        if let number = UInt32(name) { return gid_t(number) }
        return nil
    }

    /// The name of group `gid`, or its number when the system has no name for it.
    public static func name(ofGroup gid: gid_t) -> String {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 65_536)
        guard getgrgid_r(gid, &entry, &buffer, buffer.count, &result) == 0, result != nil,
            let name = entry.gr_name, name.pointee != 0
        else { return String(gid) }
        return String(cString: name)
    }
}
