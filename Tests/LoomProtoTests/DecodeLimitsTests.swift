import CLoomProto
@testable import LoomProto
import Testing

/// The bounds of `DecodeLimits`, each at its value and one over: a message over a bound is refused by the scan,
/// with the message, the field and the bound named (`Protos/README.md`, section 2.7).
@Suite("Decode limits")
struct DecodeLimitsTests {
    /// Limits that leave the decoded size unbounded, to test another bound in isolation.
    static let unboundedSize = DecodeLimits(decodedSizeFactor: 1 << 20)

    /// The message type whose full name is `name`, from the samples (one per message of the contract).
    static func messageType(named name: String) -> (any LoomMessage.Type)? {
        Samples.all.map { type(of: $0) }.first { $0.protoName == name }
    }

    @Test("every repeated field of the contract has a bound, and every bound is a repeated field")
    func boundsCoverTheContract() {
        var repeated: Set<String> = []
        for type in Samples.all.map({ type(of: $0) }) {
            let descriptor = descriptor(of: type)
            for index in 0..<Int(descriptor.n_fields) where descriptor.fields[index].label == PROTOBUF_C_LABEL_REPEATED {
                repeated.insert("\(type.protoName).\(String(cString: descriptor.fields[index].name))")
            }
        }
        #expect(repeated.count > 30)
        #expect(Set(DecodeLimits.repeatedFieldBounds.keys) == repeated)
        #expect(DecodeLimits.maxElements(ofField: "loom.v1.Migration.candidates") == 10_000)
        #expect(DecodeLimits.maxElements(ofField: "loom.v1.Migration.id") == nil)
    }

    @Test("each repeated field decodes with as many elements as its bound, and not one more",
          arguments: DecodeLimits.repeatedFieldBounds.keys.sorted())
    func elementsPerRepeatedField(field: String) throws {
        let messageName = String(field[..<field.lastIndex(of: ".")!])
        let fieldName = String(field[field.index(after: field.lastIndex(of: ".")!)...])
        let type = try #require(Self.messageType(named: messageName))
        let descriptor = descriptor(of: type)
        let number = try #require((0..<Int(descriptor.n_fields)).first {
            String(cString: descriptor.fields[$0].name) == fieldName
        }.map { Int(descriptor.fields[$0].id) })
        let bound = try #require(DecodeLimits.maxElements(ofField: field))

        func check<M: LoomMessage>(_: M.Type) {
            // Empty elements: an empty string, message or map entry is 2 bytes.
            #expect(throws: Never.self) { try M(decoding: Wire.empties(number, count: bound), limits: Self.unboundedSize) }
            #expect(throws: ProtoCodecError.tooManyElements(messageName, field: field, limit: bound)) {
                try M(decoding: Wire.empties(number, count: bound + 1), limits: Self.unboundedSize)
            }
        }
        func open<M: LoomMessage>(_ type: M.Type) { check(type) }
        open(type)
    }

    @Test("requests at the service's own limits decode with the default limits, one more candidate does not")
    func serviceLimitsFitTheDefaults() throws {
        // 10,000 candidates, as small as a candidate can be (the densest legitimate request).
        let tiny = (0..<10_000).map { Candidate(id: "c\($0)", kind: "k") }
        let submit = SubmitCandidatesRequest(migrationID: "m", candidates: tiny)
        #expect(try SubmitCandidatesRequest(decoding: submit.encoded()) == submit)
        let announce = AnnounceRequest(migration: Migration(id: "m", candidates: tiny))
        #expect(try AnnounceRequest(decoding: announce.encoded()) == announce)
        #expect(throws: ProtoCodecError.tooManyElements(
            "loom.v1.SubmitCandidatesRequest", field: "loom.v1.SubmitCandidatesRequest.candidates", limit: 10_000
        )) {
            try SubmitCandidatesRequest(decoding: SubmitCandidatesRequest(migrationID: "m", candidates: tiny + [tiny[0]]).encoded())
        }
        // 10,000 candidates with metadata, and a candidate with 1000 file groups of which one has 10,000 files.
        let described = (0..<10_000).map {
            Candidate(id: "org/app-\($0)", kind: "repo", metadata: ["team": "t\($0 % 7)", "lang": "go", "tier": "1"])
        }
        let withMetadata = SubmitCandidatesRequest(migrationID: "m", candidates: described)
        #expect(try SubmitCandidatesRequest(decoding: withMetadata.encoded()) == withMetadata)
        var groups = (0..<1000).map { FileGroup(name: "g\($0)", repo: "r", files: [FileRef(path: "p")]) }
        groups[0].files = (0..<10_000).map { FileRef(path: "f\($0)") }
        let dryRun = DryRunRequest(migrationID: "m", candidate: Candidate(id: "c", kind: "k", files: groups))
        #expect(try DryRunRequest(decoding: dryRun.encoded()) == dryRun)
    }

    @Test("unknown fields: as many as the bound decode, one more is refused, counted at every depth")
    func unknownFields() throws {
        let known = Wire.field(1, "m") + Wire.field(2, "c")
        #expect(try GetRunRequest(decoding: known + Wire.unknowns(3, count: 1000)) == GetRunRequest(migrationID: "m", candidateID: "c"))
        #expect(throws: ProtoCodecError.tooManyUnknownFields("loom.v1.GetRunRequest", field: "loom.v1.GetRunRequest.3", limit: 1000)) {
            try GetRunRequest(decoding: known + Wire.unknowns(3, count: 1001))
        }
        // 400 at the top, then 601 inside the migration: the 1001st is in the migration.
        let nested = Wire.unknowns(98, count: 400) + Wire.field(1, Wire.field(1, "m") + Wire.unknowns(99, count: 601))
        #expect(throws: ProtoCodecError.tooManyUnknownFields("loom.v1.AnnounceRequest", field: "loom.v1.Migration.99", limit: 1000)) {
            try AnnounceRequest(decoding: nested)
        }
        #expect(try AnnounceRequest(decoding: nested, limits: DecodeLimits(maxUnknownFields: 1001)) == AnnounceRequest(migration: Migration(id: "m")))
        #expect(DecodeLimits.default.maxUnknownFields == 1000)
    }

    @Test("nesting: a message as deep as the bound decodes, one level more is refused")
    func nesting() throws {
        // MigrationUpdate → Run → StepResult → Candidate → FileGroup → FileRef: 6 deep, Loom's deepest.
        let deep = MigrationUpdate(runs: [Run(results: [StepResult(candidate: Candidate(files: [FileGroup(files: [FileRef(path: "p")])]))])])
        #expect(try MigrationUpdate(decoding: deep.encoded(), limits: DecodeLimits(maxDepth: 6)) == deep)
        #expect(throws: ProtoCodecError.tooDeep("loom.v1.MigrationUpdate", field: "loom.v1.FileGroup.files", limit: 5)) {
            try MigrationUpdate(decoding: deep.encoded(), limits: DecodeLimits(maxDepth: 5))
        }
        #expect(throws: ProtoCodecError.tooDeep("loom.v1.MigrationUpdate", field: "loom.v1.MigrationUpdate.runs", limit: 1)) {
            try MigrationUpdate(decoding: deep.encoded(), limits: DecodeLimits(maxDepth: 1))
        }
        #expect(DecodeLimits.default.maxDepth == 32)
    }

    @Test("decoded size: an estimate at the bound decodes, one byte over is refused naming the field")
    func decodedSize() throws {
        let bytes = Samples.migration(candidates: 20).encoded()
        let cost = try bytes.withUnsafeBytes { try Migration.decodeCost(of: $0) }
        #expect(cost.encodedBytes == bytes.count)
        #expect(cost.decodedBytes > bytes.count)
        let atBound = DecodeLimits(decodedSizeFactor: 0, decodedSizeAllowance: cost.decodedBytes)
        #expect(try Migration(decoding: bytes, limits: atBound) == Samples.migration(candidates: 20))
        let overBound = DecodeLimits(decodedSizeFactor: 0, decodedSizeAllowance: cost.decodedBytes - 1)
        do {
            _ = try Migration(decoding: bytes, limits: overBound)
            Issue.record("decoded over the bound")
        } catch {
            #expect(error.code == .decodedTooLarge)
            #expect(error.size == bytes.count)
            #expect(error.limit == cost.decodedBytes - 1)
            #expect(error.field?.hasPrefix("loom.v1.") == true)
        }
        #expect(DecodeLimits.default.maxDecodedBytes(encodedSize: 1000) == 16 * 1000 + 4 * 1024 * 1024)
        #expect(DecodeLimits(decodedSizeFactor: .max).maxDecodedBytes(encodedSize: 2) == .max)
    }

    @Test("empty sub-messages within every element bound still hit the decoded-size bound")
    func amplificationWithinElementBounds() throws {
        // 2000 candidates of 1000 empty file groups each: 4 MB, every list within its bound.
        let candidate = Wire.field(6, Wire.field(1, "c") + Wire.empties(4, count: 1000))
        var migration = Wire.field(1, "m")
        for _ in 0..<2000 { migration += candidate }
        let bytes = Wire.field(1, migration)
        #expect(bytes.count < AnnounceRequest.defaultMaxSize)
        do {
            _ = try AnnounceRequest(decoding: bytes)
            Issue.record("decoded")
        } catch {
            #expect(error.code == .decodedTooLarge)
            #expect(error.field == "loom.v1.Candidate.files")
        }
    }

    @Test("a singular message field given twice is refused; a singular string given twice keeps the last")
    func duplicateFields() throws {
        let candidate = Wire.field(4, Wire.field(1, "c"))
        #expect(try DryRunRequest(decoding: Wire.field(1, "m") + candidate) == DryRunRequest(migrationID: "m", candidate: Candidate(id: "c")))
        #expect(throws: ProtoCodecError.duplicateField("loom.v1.DryRunRequest", field: "loom.v1.DryRunRequest.candidate")) {
            try DryRunRequest(decoding: Wire.field(1, "m") + candidate + candidate)
        }
        #expect(try GetRunRequest(decoding: Wire.field(1, "a") + Wire.field(1, "b")) == GetRunRequest(migrationID: "b"))
    }

    @Test("a NUL byte in a string field is refused by the scan, naming the field")
    func nulInStrings() throws {
        let entry = Wire.field(1, [0x6B, 0x00]) + Wire.field(2, "v")
        let bytes = Wire.field(1, Wire.field(1, "m") + Wire.field(6, Wire.field(1, "c") + Wire.field(3, entry)))
        let expected = ProtoCodecError.nulCharacter("loom.v1.AnnounceRequest", field: "loom.v1.Candidate.MetadataEntry.key")
        #expect(throws: expected) { try bytes.withUnsafeBytes { try AnnounceRequest.decodeCost(of: $0) } }
        #expect(throws: expected) { try AnnounceRequest(decoding: bytes) }
    }

    @Test("errors describe the message, the field and the bound")
    func descriptions() {
        #expect(ProtoCodecError.tooManyElements("loom.v1.AnnounceRequest", field: "loom.v1.Migration.candidates", limit: 10_000)
            .description == "loom.v1.AnnounceRequest message: field loom.v1.Migration.candidates has more than 10000 elements")
        #expect(ProtoCodecError.tooManyUnknownFields("loom.v1.GetRunRequest", field: "loom.v1.GetRunRequest.3", limit: 1000)
            .description == "loom.v1.GetRunRequest message: more than 1000 unknown fields (the last: loom.v1.GetRunRequest.3)")
        #expect(ProtoCodecError.tooDeep("loom.v1.Run", field: "loom.v1.Run.candidate", limit: 1)
            .description == "loom.v1.Run message: field loom.v1.Run.candidate is nested deeper than 1 messages")
        #expect(ProtoCodecError.duplicateField("loom.v1.DryRunRequest", field: "loom.v1.DryRunRequest.candidate")
            .description == "loom.v1.DryRunRequest message: singular field loom.v1.DryRunRequest.candidate occurs more than once")
        #expect(ProtoCodecError.decodedTooLarge("loom.v1.Migration", field: "loom.v1.Candidate.files", size: 10, limit: 9)
            .description == "loom.v1.Migration message of 10 bytes would take more than 9 bytes to decode (at field loom.v1.Candidate.files)")
    }
}

/// The protobuf-c descriptor of a message type.
func descriptor(of type: any LoomMessage.Type) -> ProtobufCMessageDescriptor {
    func open<M: LoomMessage>(_ type: M.Type) -> ProtobufCMessageDescriptor { M._codec.descriptor }
    return open(type)
}
