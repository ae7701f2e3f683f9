import LoomTestSupport
import Testing

@testable import LoomRedis

/// The committed inputs of the `resp-decoder` fuzz target (docs/fuzzing.md), replayed through its harness, and its
/// seeds: the replies of the decoder tests, whole and in a stream, and malformed ones.
@Suite("Fuzz target resp-decoder: committed inputs")
struct RESPFuzzTargetTests {
    @Test("every seed and regression input of resp-decoder runs through its harness", arguments: FuzzInputs.names(target: "resp-decoder"))
    func replay(name: String) throws {
        try FuzzInputs.replay(name, through: RESPDecoderFuzzer.run)
    }

    @Test("the committed seeds are the ones generated from the decoder tests")
    func seedsAreCommitted() throws {
        let problems = try FuzzInputs.seedProblems([("resp-decoder", Self.seeds)])
        #expect(problems == nil, "\(problems ?? "")")
    }

    static let malformed = [
        "X\r\n", "+OK\rX", ":12a\r\n", ":99999999999999999999\r\n", "$-2\r\n", "$3\r\nabcXY", "%-1\r\n", "#tt\r\n",
        ",1.2.3\r\n", "(12x\r\n", "=5\r\ntxtab\r\n", "_x\r\n", "*?\r\n", "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n",
        "$65\r\n" + String(repeating: "x", count: 65) + "\r\n", "+" + String(repeating: "y", count: 40) + "\r\n",
    ]

    /// The first byte: bits 0–6 the read size minus one, bit 7 the small limits.
    static var seeds: [(name: String, bytes: [UInt8])] {
        let everyType = RESPDecoderTests.everyType.map(\.0)
        return everyType.enumerated().map { index, reply in
            ("reply-\(index)", [UInt8(index % 3 == 0 ? 127 : index % 5)] + Array(reply.utf8))
        } + malformed.enumerated().map { index, reply in
            ("malformed-\(index)", [UInt8(0x80 | index % 4)] + Array(reply.utf8))
        } + [
            ("stream", [6] + Array(everyType.joined().utf8)),
            ("stream-small-limits", [0x80 | 2] + Array(everyType.joined().utf8)),
        ]
    }
}
