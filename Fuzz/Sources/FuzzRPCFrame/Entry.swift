/// libFuzzer's entry point for the `rpc-frame` target (`Tools/fuzz rpc-frame`); the harness is RPCFrameFuzzer, linked from
/// Tests/LoomRPCTests/Fuzzing/.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    RPCFrameFuzzer.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
