/// libFuzzer's entry point for the `shim-http` target (`Tools/fuzz shim-http`); the harness is ShimHTTPFuzzer, linked from
/// Tests/LoomHTTPTests/Fuzzing/.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ShimHTTPFuzzer.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
