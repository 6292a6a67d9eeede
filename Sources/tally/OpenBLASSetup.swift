import Foundation
import TallyEngine

/// Makes OpenBLAS run its fastest safe kernels without the user doing anything (see ``OpenBLASChoice``):
/// when the kernels loaded are slower than the CPU allows, or differ from `TALLY_OPENBLAS_CORETYPE`,
/// re-executes this process with `OPENBLAS_CORETYPE` set accordingly (the library reads it once, when it
/// loads before `main`).
enum OpenBLASSetup {
    static func selectFastestKernels() {
        guard case .reexecute(let coreType) = OpenBLASChoice.decideHere() else { return }
        if let coreType {
            setenv(OpenBLASChoice.variable, coreType, 1)
        } else {
            unsetenv(OpenBLASChoice.variable)
        }
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // execv only returns on failure: carry on with the kernels already loaded.
        for pointer in argv { free(pointer) }
    }
}
