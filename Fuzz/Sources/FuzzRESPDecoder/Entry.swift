/// libFuzzer's entry point for the `resp-decoder` target (`Tools/fuzz resp-decoder`); the harness is RESPDecoderFuzzer, linked from
/// Tests/LoomRedisTests/Fuzzing/.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    RESPDecoderFuzzer.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
