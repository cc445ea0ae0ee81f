internal import CLibFuzzer
internal import Foundation

/// One harness's test: called by libFuzzer with each input; returns 0.
public typealias FuzzTest = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// Hands the process to libFuzzer, which parses the command line (`-max_total_time`, corpus
/// folders, …) and calls `test` with each input until it stops.
public func runFuzzer(_ test: FuzzTest) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, test))
}
