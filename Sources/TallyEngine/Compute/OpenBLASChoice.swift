import COpenBLAS
import Foundation

/// Which OpenBLAS kernels to run. Debian's OpenBLAS 0.3.21 does not recognise some AVX-512 CPUs and falls
/// back to its AVX2 (Haswell) kernels; `OPENBLAS_CORETYPE=SkylakeX` selects the AVX-512 ones, which are
/// faster on sgemm. The variable is read when the library loads, before `main`, so a command that wants it
/// must re-execute itself with the variable set (see the `tally` command's OpenBLAS setup).
public enum OpenBLASChoice {
    /// The environment variable OpenBLAS reads at load time.
    public static let variable = "OPENBLAS_CORETYPE"
    /// The core type chosen on AVX-512 CPUs.
    public static let skylakeX = "SkylakeX"

    /// Whether to set `OPENBLAS_CORETYPE=SkylakeX`: only when the user has not set the variable (their
    /// choice stands, empty or not) and the CPU flags in `/proc/cpuinfo` text include `avx512f` (other CPUs
    /// would die of SIGILL in those kernels).
    public static func shouldSelectSkylakeX(environment: [String: String], cpuInfo: String) -> Bool {
        guard environment[variable] == nil else { return false }
        for line in cpuInfo.split(separator: "\n") where line.hasPrefix("flags") {
            let flags = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" })
            return flags.contains("avx512f")
        }
        return false
    }

    /// Reads this machine's `/proc/cpuinfo` and environment and decides as
    /// ``shouldSelectSkylakeX(environment:cpuInfo:)``; false where `/proc/cpuinfo` cannot be read.
    public static func shouldSelectSkylakeXHere() -> Bool {
        guard let cpuInfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return false }
        return shouldSelectSkylakeX(environment: ProcessInfo.processInfo.environment, cpuInfo: cpuInfo)
    }

    /// The kernel family OpenBLAS is running, e.g. "Haswell" or "SkylakeX".
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The number of threads OpenBLAS uses.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }
}
