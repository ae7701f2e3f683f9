#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import LoomCLI

// All logic lives in LoomCLI (tested there); this only hands over the process's arguments, environment and streams.
let code = await Loomctl.run(
    arguments: Array(CommandLine.arguments.dropFirst()),
    environment: Loomctl.processEnvironment,
    console: .standard
)
exit(code)
