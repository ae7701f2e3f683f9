/// libFuzzer's entry point for the `shim-json` target (`Tools/fuzz shim-json`); the harness is ShimJSONFuzzer, linked from
/// Tests/LoomHTTPTests/Fuzzing/.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ShimJSONFuzzer.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
