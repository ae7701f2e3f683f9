/// libFuzzer's entry point for the `rpc-server` target (`Tools/fuzz rpc-server`); the harness is RPCServerFuzzer, linked from
/// Tests/LoomRPCTests/Fuzzing/.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    RPCServerFuzzer.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
