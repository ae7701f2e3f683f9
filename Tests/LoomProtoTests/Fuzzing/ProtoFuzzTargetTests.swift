import LoomProto
import LoomTestSupport
import Testing

/// The committed inputs of the `proto-decode` fuzz target (docs/fuzzing.md), replayed through its harness, and its
/// seeds: every sample message.
@Suite("Fuzz target proto-decode: committed inputs")
struct ProtoFuzzTargetTests {
    @Test("every seed and regression input of proto-decode runs through its harness", arguments: FuzzInputs.names(target: "proto-decode"))
    func replay(name: String) throws {
        try FuzzInputs.replay(name, through: ProtoDecodeFuzzer.run)
    }

    @Test("the harness decodes every message type of the contract, each once")
    func everyMessageType() {
        let fuzzed = ProtoDecodeFuzzer.messageTypes.map { $0.protoName }
        let sampled = Samples.all.map { type(of: $0).protoName }
        #expect(Set(fuzzed).count == fuzzed.count)
        #expect(Set(fuzzed) == Set(sampled))
        #expect(fuzzed.count <= 256, "the first input byte selects the type")
    }

    @Test("the committed seeds are the samples")
    func seedsAreCommitted() throws {
        let problems = try FuzzInputs.seedProblems([("proto-decode", Self.seeds)])
        #expect(problems == nil, "\(problems ?? "")")
    }

    /// The first byte selects the message type.
    static var seeds: [(name: String, bytes: [UInt8])] {
        // A type the harness does not list has no seed; `everyMessageType` fails for it.
        Samples.all.compactMap { message in
            let type = type(of: message)
            return ProtoDecodeFuzzer.selector(of: type).map { (type.protoName, [$0] + message.encoded()) }
        }
    }
}
