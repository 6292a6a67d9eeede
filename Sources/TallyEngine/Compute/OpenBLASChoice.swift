import COpenBLAS
import Foundation

/// Which OpenBLAS kernels to run.
///
/// On an AVX-512 CPU, OpenBLAS's AVX-512 kernels run sgemm about twice as fast as its AVX2 (Haswell)
/// ones, but OpenBLAS may end up on the slower ones: Debian's 0.3.21 does not recognise every AVX-512
/// CPU, and machine images may export `OPENBLAS_CORETYPE=Haswell` for all programs. The library reads
/// that variable once, when it loads before `main`, so the `tally` command checks which kernels were
/// loaded and, when they are slower than the CPU allows, re-executes itself with
/// `OPENBLAS_CORETYPE=SkylakeX`. `TALLY_OPENBLAS_CORETYPE` is the user's own choice for Tally and always
/// wins (empty: let OpenBLAS detect the CPU itself).
public enum OpenBLASChoice {
    /// The environment variable OpenBLAS reads at load time.
    public static let variable = "OPENBLAS_CORETYPE"
    /// The variable through which a user picks the kernels for Tally (copied into ``variable``).
    public static let overrideVariable = "TALLY_OPENBLAS_CORETYPE"
    /// Set in the re-executed process, which never re-executes again whatever it finds.
    public static let reexecutedVariable = "TALLY_OPENBLAS_REEXECUTED"
    /// The core type chosen on AVX-512 CPUs.
    public static let skylakeX = "SkylakeX"
    /// OpenBLAS kernel families that already use AVX-512 (lowercased), left alone when loaded.
    static let avx512Families: Set<String> = ["skylakex", "cooperlake", "sapphirerapids"]
    /// The CPU flags the SkylakeX kernels need; other CPUs would die of SIGILL in them.
    static let requiredFlags = ["avx512f", "avx512bw", "avx512dq", "avx512vl"]

    /// What the `tally` command should do about its OpenBLAS kernels before anything else.
    public enum Decision: Equatable, Sendable {
        /// Keep the kernels already loaded.
        case keep
        /// Re-execute with ``OpenBLASChoice/variable`` set to this value (nil: unset).
        case reexecute(coreType: String?)
    }

    /// Decides from the environment, `/proc/cpuinfo` text and the kernel family OpenBLAS loaded:
    /// - `TALLY_OPENBLAS_CORETYPE` set: make `OPENBLAS_CORETYPE` equal to it (unset when it is empty);
    /// - else on a CPU with the AVX-512 flags the SkylakeX kernels need, when the loaded kernels are not
    ///   AVX-512 ones: SkylakeX, whatever `OPENBLAS_CORETYPE` said;
    /// - else keep. A process started by such a re-execution (``reexecutedVariable`` set) always keeps.
    public static func decide(environment: [String: String], cpuInfo: String, loadedCore: String) -> Decision {
        if environment[reexecutedVariable] != nil { return .keep }
        if let chosen = environment[overrideVariable] {
            let wanted: String? = chosen.isEmpty ? nil : chosen
            return environment[variable] == wanted ? .keep : .reexecute(coreType: wanted)
        }
        guard cpuSupportsSkylakeX(cpuInfo: cpuInfo), !avx512Families.contains(loadedCore.lowercased()),
            environment[variable] != skylakeX
        else { return .keep }
        return .reexecute(coreType: skylakeX)
    }

    /// Whether the first `flags` line of `/proc/cpuinfo` text lists every flag the SkylakeX kernels need.
    public static func cpuSupportsSkylakeX(cpuInfo: String) -> Bool {
        requiredFlags.allSatisfy(cpuFlags(cpuInfo: cpuInfo).contains)
    }

    /// The CPU flags on the first `flags` line of `/proc/cpuinfo` text (none when there is no such line).
    public static func cpuFlags(cpuInfo: String) -> Set<String> {
        guard let line = cpuInfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).map(String.init))
    }

    /// ``decide(environment:cpuInfo:loadedCore:)`` for this process and machine; keep where
    /// `/proc/cpuinfo` cannot be read.
    public static func decideHere() -> Decision {
        guard let cpuInfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return .keep }
        return decide(environment: ProcessInfo.processInfo.environment, cpuInfo: cpuInfo, loadedCore: coreName)
    }

    /// The kernel family OpenBLAS is running, e.g. "Haswell" or "SkylakeX".
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

}
