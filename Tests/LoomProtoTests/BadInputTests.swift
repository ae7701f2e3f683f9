import LoomProto
import LoomTestSupport
import Testing

/// Malformed, truncated, hostile and oversized input: always a typed error, never a trap.
/// (Leaks are caught by running this suite under `--sanitize=address`.)
@Suite("Bad input")
struct BadInputTests {
    @Test("a truncated message decodes only when cut at a field boundary, and then to that prefix",
          arguments: Samples.all.indices)
    func truncationAtEveryLength(sampleIndex: Int) throws {
        func check<M: LoomMessage>(_ message: M) throws {
            let bytes = message.encoded()
            let boundaries = try topLevelFieldEnds(bytes)
            for length in 0..<bytes.count {
                let prefix = Array(bytes[..<length])
                do {
                    let decoded = try M(decoding: prefix)
                    #expect(boundaries.contains(length), "\(M.protoName) decoded a cut at \(length)")
                    #expect(decoded.encoded() == prefix, "\(M.protoName) prefix of \(length)")
                } catch {
                    #expect(!boundaries.contains(length), "\(M.protoName) rejected a prefix ending at a field boundary: \(error)")
                    #expect(error.code == .malformed)
                    #expect(error.messageName == M.protoName)
                }
            }
        }
        try check(Samples.all[sampleIndex])
    }

    @Test("random bytes never trap; whatever decodes re-encodes stably")
    func randomBytes() {
        var random = SeededRandomNumberGenerator(seed: 0x10_0F)
        var decodedCount = 0
        for round in 0..<4_000 {
            let bytes = random.bytes(Int.random(in: 0..<(round.isMultiple(of: 10) ? 2048 : 64), using: &random))
            decodedCount += decodesStably(Migration.self, bytes) + decodesStably(Run.self, bytes)
                + decodesStably(RunUpdate.self, bytes) + decodesStably(SubmitCandidatesResponse.self, bytes)
        }
        #expect(decodedCount > 0, "no random input decoded at all: the test exercises only the error path")
    }

    @Test("mutated valid messages never trap; whatever decodes re-encodes stably")
    func mutatedMessages() {
        var random = SeededRandomNumberGenerator(seed: 42)
        for sample in [Samples.run.encoded(), Samples.migration().encoded(), RunUpdate(run: Samples.run, entry: Samples.historyEntry).encoded()] {
            for _ in 0..<1_500 {
                var bytes = sample
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    let index = Int.random(in: 0..<bytes.count, using: &random)
                    switch Int.random(in: 0..<3, using: &random) {
                    case 0: bytes[index] = UInt8.random(in: 0...255, using: &random)
                    case 1: bytes[index] ^= 1 << UInt8.random(in: 0..<8, using: &random)
                    default: bytes.remove(at: index)
                    }
                    if bytes.isEmpty { break }
                }
                _ = decodesStably(Run.self, bytes) + decodesStably(Migration.self, bytes) + decodesStably(RunUpdate.self, bytes)
            }
        }
    }

    @Test("a length prefix past the end of the buffer is malformed", arguments: [
        [0x0A, 0x05, 0x61],                                      // id: 5 bytes announced, 1 present
        [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x61],              // id: 4 GiB announced
        [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],  // id: 2^64-1 announced
        [0x32, 0x04, 0x0A, 0x09, 0x61, 0x62],                    // candidates[0].id: 9 announced inside a 4-byte candidate
        [0x32, 0x02, 0x0A, 0x05],                                // nested length past the nested end
    ] as [[UInt8]])
    func lengthPastEnd(bytes: [UInt8]) {
        #expect(throws: ProtoCodecError.malformed("loom.v1.Migration")) { try Migration(decoding: bytes) }
    }

    @Test("wrong wire types are malformed", arguments: [
        [0x08, 0x01],                              // id (string) sent as a varint
        [0x0D, 0x01, 0x02, 0x03, 0x04],            // id sent as fixed32
        [0x32, 0x07],                              // candidates (message) sent as a varint
        [0x42, 0x01, 0x00],                        // created_at_unix_ms (int64) sent length-delimited
        [0x41, 1, 2, 3, 4, 5, 6, 7, 8],            // created_at_unix_ms sent as fixed64
        [0x32, 0x02, 0x28, 0x80],                  // candidates[0].status: truncated varint
        [0x0B, 0x0C],                              // groups are not proto3
        [0x0F],                                    // wire type 7 does not exist
        [0x00, 0x01],                              // field number 0 is invalid
    ] as [[UInt8]])
    func wrongWireTypes(bytes: [UInt8]) {
        #expect(throws: ProtoCodecError.malformed("loom.v1.Migration")) { try Migration(decoding: bytes) }
    }

    @Test("invalid UTF-8 in any string field is an error naming the field", arguments: [
        [0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0x61, 0x80],
    ] as [[UInt8]])
    func invalidUTF8(badString: [UInt8]) {
        func field(_ number: UInt8, _ payload: [UInt8]) -> [UInt8] { [number << 3 | 2, UInt8(payload.count)] + payload }
        // Top level.
        #expect(throws: ProtoCodecError.invalidUTF8("loom.v1.Migration", field: "loom.v1.Migration.owner")) {
            try Migration(decoding: field(1, Array("ok".utf8)) + field(10, badString))
        }
        // A map value two levels down.
        let entry = field(1, Array("k".utf8)) + field(2, badString)
        let candidate = field(1, Array("c".utf8)) + field(3, entry)
        #expect(throws: ProtoCodecError.invalidUTF8("loom.v1.Migration", field: "loom.v1.Candidate.metadata")) {
            try Migration(decoding: field(6, candidate))
        }
        // A map key.
        #expect(throws: ProtoCodecError.invalidUTF8("loom.v1.StartRunRequest", field: "loom.v1.StartRunRequest.inputs")) {
            try StartRunRequest(decoding: field(3, field(1, badString)))
        }
        // A repeated string.
        #expect(throws: ProtoCodecError.invalidUTF8("loom.v1.SubmitCandidatesResponse",
                                                    field: "loom.v1.SubmitCandidatesResponse.skipped_ids")) {
            try SubmitCandidatesResponse(decoding: field(2, Array("fine".utf8)) + field(2, badString))
        }
    }

    @Test("a NUL character in a string is an error, not a silently shortened string")
    func nulCharacter() {
        #expect(throws: ProtoCodecError.nulCharacter("loom.v1.FileRef", field: "loom.v1.FileRef.path")) {
            try FileRef(decoding: [0x0A, 0x03, 0x61, 0x00, 0x62])
        }
        #expect(throws: ProtoCodecError.nulCharacter("loom.v1.FileRef", field: "loom.v1.FileRef.url")) {
            try FileRef(decoding: [0x12, 0x01, 0x00])
        }
    }

    @Test("messages over the size limit are rejected before parsing")
    func oversized() throws {
        let bytes = Samples.migration(candidates: 20).encoded()
        #expect(throws: ProtoCodecError.tooLarge("loom.v1.Migration", size: bytes.count, limit: bytes.count - 1)) {
            try Migration(decoding: bytes, maxSize: bytes.count - 1)
        }
        #expect(try Migration(decoding: bytes, maxSize: bytes.count) == Samples.migration(candidates: 20))
        // Garbage over the default limit is "too large", not "malformed": it was never parsed.
        let garbage = [UInt8](repeating: 0xFF, count: Migration.defaultMaxSize + 1)
        #expect(throws: ProtoCodecError.tooLarge("loom.v1.Migration", size: garbage.count, limit: Migration.defaultMaxSize)) {
            try Migration(decoding: garbage)
        }
        #expect(throws: ProtoCodecError.tooLarge("loom.v1.FileRef", size: 2, limit: 0)) {
            try FileRef(decoding: [0x0A, 0x00], maxSize: 0)
        }
    }

    @Test("unknown fields are skipped (forward compatibility)")
    func unknownFields() throws {
        // path = "p", then field 99 (varint), field 100 (bytes), field 101 (fixed32), field 102 (fixed64).
        let bytes: [UInt8] = [0x0A, 0x01, 0x70, 0x98, 0x06, 0x2A, 0xA2, 0x06, 0x02, 0xFF, 0xFE,
                              0xAD, 0x06, 1, 2, 3, 4, 0xB1, 0x06, 1, 2, 3, 4, 5, 6, 7, 8]
        #expect(try FileRef(decoding: bytes) == FileRef(path: "p"))
    }

    @Test("errors describe the message and the field")
    func descriptions() {
        #expect(ProtoCodecError.malformed("loom.v1.Run").description == "malformed loom.v1.Run message")
        #expect(ProtoCodecError.invalidUTF8("loom.v1.Run", field: "loom.v1.Run.id").description.contains("loom.v1.Run.id"))
        #expect(ProtoCodecError.tooLarge("loom.v1.Run", size: 10, limit: 5).description.contains("10 bytes"))
        #expect(ProtoCodecError.nulCharacter("loom.v1.Run", field: "loom.v1.Run.id").code == .nulCharacter)
    }
}

/// Decodes `bytes` as `M`; when that works, expects the re-encoding to decode to the same
/// value. Returns 1 when the bytes decoded.
private func decodesStably<M: LoomMessage>(_: M.Type, _ bytes: [UInt8]) -> Int {
    guard let decoded = try? M(decoding: bytes) else { return 0 }
    #expect((try? M(decoding: decoded.encoded())) == decoded)
    return 1
}

/// The offsets at which a top-level field of a protobuf encoding ends (and 0), read with a
/// minimal wire-format walker independent of protobuf-c.
func topLevelFieldEnds(_ bytes: [UInt8]) throws -> Set<Int> {
    var ends: Set<Int> = [0]
    var offset = 0
    func varint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count, shift < 64 else { throw ToolError("bad varint") }
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }
    while offset < bytes.count {
        let tag = try varint()
        switch tag & 7 {
        case 0: _ = try varint()
        case 1: offset += 8
        case 2: offset += Int(try varint())
        case 5: offset += 4
        default: throw ToolError("unexpected wire type in \(bytes)")
        }
        ends.insert(offset)
    }
    return ends
}
