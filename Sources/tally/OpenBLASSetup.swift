import Foundation
import TallyEngine

/// Makes OpenBLAS run its fastest safe kernels without the user doing anything (see ``OpenBLASChoice``):
/// when the kernels loaded are slower than the CPU allows, or `OPENBLAS_CORETYPE` differs from
/// `TALLY_OPENBLAS_CORETYPE`, re-executes this process with `OPENBLAS_CORETYPE` set accordingly (the library
/// reads it once, when it loads before `main`). The new process is marked so that it never re-executes.
enum OpenBLASSetup {
    static func selectFastestKernels() {
        guard case .reexecute(let coreType) = OpenBLASChoice.decideHere() else { return }
        if let coreType {
            setenv(OpenBLASChoice.variable, coreType, 1)
        } else {
            unsetenv(OpenBLASChoice.variable)
        }
        setenv(OpenBLASChoice.reexecutedVariable, "1", 1)
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // execv only returns on failure: carry on with the kernels already loaded.
        for pointer in argv { free(pointer) }
    }
}
