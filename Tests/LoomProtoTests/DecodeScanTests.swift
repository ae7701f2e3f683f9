import CLoomProto
@testable import LoomProto
import LoomTestSupport
import Testing

/// The pre-scan against protobuf-c itself: its estimate is what protobuf-c allocates, whatever it accepts protobuf-c
/// unpacks, and the amplification requests of issue #16 are refused before anything is allocated.
@Suite("Decode pre-scan")
struct DecodeScanTests {
    @Test("the estimate is exactly what protobuf-c allocates", arguments: Samples.all.indices)
    func estimateMatchesProtobufC(index: Int) throws {
        func check<M: LoomMessage>(_ message: M) throws {
            let bytes = message.encoded()
            let cost = try bytes.withUnsafeBytes { try M.decodeCost(of: $0) }
            #expect(cost.decodedBytes == protobufCAllocations(M.self, bytes), "\(M.protoName)")
        }
        try check(Samples.all[index])
    }

    @Test("the estimate is exact for many elements, unknown fields and repeated singular fields too")
    func estimateMatchesProtobufCAtScale() throws {
        let limits = DecodeLimits(maxUnknownFields: .max, decodedSizeFactor: 1 << 20)
        func check<M: LoomMessage>(_: M.Type, _ bytes: [UInt8]) throws {
            let cost = try bytes.withUnsafeBytes { try M.decodeCost(of: $0, limits: limits) }
            #expect(cost.decodedBytes == protobufCAllocations(M.self, bytes), "\(M.protoName)")
        }
        try check(SubmitCandidatesRequest.self, Samples.all.compactMap { $0 as? SubmitCandidatesRequest }[0].encoded())
        try check(SubmitCandidatesRequest.self, SubmitCandidatesRequest(candidates: (0..<5000).map(Samples.candidate)).encoded())
        try check(GetRunRequest.self, Wire.field(1, "m") + Wire.unknowns(3, count: 100_000) + Wire.field(100, "tail"))
        try check(GetRunRequest.self, Wire.field(1, "a") + Wire.field(1, "bb") + Wire.field(2, "") + Wire.field(2, "c"))
        try check(DryRunRequest.self, Wire.field(4, Wire.empties(4, count: 1000)))
    }

    @Test("whatever the scan accepts, protobuf-c unpacks; what protobuf-c unpacks, the scan refuses only for a bound")
    func agreesWithProtobufC() {
        var random = SeededRandomNumberGenerator(seed: 0x5CA7)
        var accepted = 0
        func check<M: LoomMessage>(_: M.Type, _ bytes: [UInt8]) {
            let scan = bytes.withUnsafeBytes { raw in
                Result { () throws(ProtoCodecError) -> DecodeCost in try M.decodeCost(of: raw) }
            }
            let unpacked = protobufCAllocations(M.self, bytes) != nil
            switch scan {
            case .success:
                accepted += 1
                #expect(unpacked, "the scan accepted what protobuf-c refuses: \(M.protoName) \(bytes)")
            case .failure(let error):
                if unpacked { #expect(error.code != .malformed, "\(M.protoName) \(bytes)") }
            }
        }
        for round in 0..<3000 {
            let bytes = random.bytes(Int.random(in: 0..<(round.isMultiple(of: 10) ? 1024 : 48), using: &random))
            check(Migration.self, bytes)
            check(Run.self, bytes)
            check(RunUpdate.self, bytes)
        }
        for sample in [Samples.run.encoded(), Samples.migration().encoded()] {
            for _ in 0..<1500 {
                var bytes = sample
                for _ in 0..<Int.random(in: 1...3, using: &random) where !bytes.isEmpty {
                    let index = Int.random(in: 0..<bytes.count, using: &random)
                    if Bool.random(using: &random) { bytes[index] = UInt8.random(in: 0...255, using: &random) } else { bytes.remove(at: index) }
                }
                check(Run.self, bytes)
                check(Migration.self, bytes)
            }
        }
        #expect(accepted > 100, "too few inputs passed the scan to exercise the unpack side")
    }

    /// The three 4 MB requests of issue #16 cost 168, 332 and 463 MB to decode before the scan: each is refused now,
    /// naming the field, and the process does not grow.
    @Test("the amplification requests of issue #16 are refused before protobuf-c allocates", arguments: [
        ("GetRun", ProtoCodecError.tooManyUnknownFields("loom.v1.GetRunRequest", field: "loom.v1.GetRunRequest.3", limit: 1000)),
        ("DryRun", ProtoCodecError.tooManyElements("loom.v1.DryRunRequest", field: "loom.v1.Candidate.files", limit: 1000)),
        ("Announce", ProtoCodecError.tooManyElements("loom.v1.AnnounceRequest", field: "loom.v1.Migration.candidates", limit: 10_000)),
    ])
    func amplificationRequests(method: String, expected: ProtoCodecError) throws {
        func attempt<M: LoomMessage>(_: M.Type, _ bytes: [UInt8]) -> (Result<M, ProtoCodecError>, growth: Int) {
            #expect(bytes.count < M.defaultMaxSize)
            let before = residentBytes()
            let result = Result { () throws(ProtoCodecError) -> M in try M(decoding: bytes) }
            let growth = residentBytes() - before
            return withExtendedLifetime(result) { (result, growth) }
        }
        let (outcome, growth): (Result<Void, ProtoCodecError>, Int)
        switch method {
        case "GetRun":
            let (result, heap) = attempt(GetRunRequest.self, AmplificationRequests.getRun())
            (outcome, growth) = (result.map { _ in }, heap)
        case "DryRun":
            let (result, heap) = attempt(DryRunRequest.self, AmplificationRequests.dryRun())
            (outcome, growth) = (result.map { _ in }, heap)
        default:
            let (result, heap) = attempt(AnnounceRequest.self, AmplificationRequests.announce())
            (outcome, growth) = (result.map { _ in }, heap)
        }
        #expect(throws: expected) { try outcome.get() }
        // Other tests run meanwhile; none holds tens of MB. Before the scan, each decoded request held 100+ MB here.
        #expect(growth < 32 << 20, "the process grew by \(growth) bytes")
    }
}
