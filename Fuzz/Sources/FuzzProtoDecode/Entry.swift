/// libFuzzer's entry point for the `proto-decode` target (`Tools/fuzz proto-decode`); the harness is ProtoDecodeFuzzer, linked from
/// Tests/LoomProtoTests/Fuzzing/.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ProtoDecodeFuzzer.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
