import Foundation
import TallyEngine

/// Makes OpenBLAS run its fastest safe kernels without the user doing anything: on a CPU with AVX-512
/// (`avx512f`) and with `OPENBLAS_CORETYPE` unset, re-executes this process with `OPENBLAS_CORETYPE=SkylakeX`
/// (the library reads it once, when it loads before `main`). A value the user set is never overridden, and
/// the re-executed process sees the variable set, so it never loops.
enum OpenBLASSetup {
    static func selectFastestKernels() {
        guard OpenBLASChoice.shouldSelectSkylakeXHere() else { return }
        setenv(OpenBLASChoice.variable, OpenBLASChoice.skylakeX, 1)
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // execv only returns on failure: carry on with the kernels already loaded.
        for pointer in argv { free(pointer) }
    }
}
