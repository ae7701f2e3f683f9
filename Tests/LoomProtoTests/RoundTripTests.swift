import LoomProto
import Testing

/// Encode then decode gives back the same value, for every message of the contract.
@Suite("Round trip")
struct RoundTripTests {
    @Test("every message survives encode and decode, byte for byte", arguments: Samples.all.indices)
    func everyMessage(index: Int) throws {
        try expectRoundTrip(Samples.all[index])
    }

    @Test("every message decodes from zero bytes to its empty value and encodes back to zero bytes",
          arguments: Samples.all.indices)
    func emptyMessages(index: Int) throws {
        func check<M: LoomMessage>(_: M) throws {
            let empty = try M(decoding: [])
            #expect(empty.encoded() == [])
            #expect(empty.encodedSize == 0)
            #expect(storedFields(of: empty).allSatisfy { FieldValue($0.value).isDefault })
        }
        try check(Samples.all[index])
    }

    @Test("present but empty nested messages stay present")
    func emptyNestedMessages() throws {
        try expectRoundTrip(RunUpdate(run: Run(), entry: HistoryEntry()))
        try expectRoundTrip(AnnounceRequest(migration: Migration()))
        #expect(try RunUpdate(decoding: RunUpdate(run: Run()).encoded()).entry == nil)
    }

    @Test("migration counts: absent stays nil, present but zero stays present, extremes survive")
    func migrationCounts() throws {
        #expect(try Migration(decoding: Migration(id: "m").encoded()).counts == nil)
        let zero = Migration(id: "m", counts: MigrationCounts())
        try expectRoundTrip(zero)
        #expect(try Migration(decoding: zero.encoded()).counts == MigrationCounts())
        let extreme = MigrationCounts(
            candidatesNotStarted: .max, candidatesRunning: .max, candidatesCompleted: .max,
            runsRunning: .max, runsWaitingRetry: .max, runsCompleted: .max, runsCancelled: .max, runsFailed: .max,
            steps: [StepCounts(stepName: "s", inProgress: .max, open: .max, awaitingReview: .max, failed: .max), StepCounts()]
        )
        try expectRoundTrip(extreme)
        // An all-default element of a repeated field is still an element.
        #expect(try MigrationCounts(decoding: extreme.encoded()).steps.count == 2)
        // Step order is kept as sent (the migration's step order, then retired steps).
        let ordered = MigrationCounts(steps: ["z", "a", "m"].map { StepCounts(stepName: $0, inProgress: 1) })
        #expect(try MigrationCounts(decoding: ordered.encoded()).steps.map(\.stepName) == ["z", "a", "m"])
    }

    @Test("recount: both counts present, empty drift, repaired flag")
    func recountMigration() throws {
        try expectRoundTrip(RecountMigrationResponse(stored: MigrationCounts(), recounted: MigrationCounts()))
        let decoded = try RecountMigrationResponse(decoding: RecountMigrationResponse(stored: MigrationCounts(runsRunning: 3)).encoded())
        #expect(decoded.stored == MigrationCounts(runsRunning: 3))
        #expect(decoded.recounted == nil)
        #expect(decoded.drift == [])
        #expect(decoded.repaired == false)
        #expect(try RecountMigrationRequest(decoding: RecountMigrationRequest(repair: true).encoded()).repair)
    }

    @Test("listing requests: defaults mean no filter and the first page; filters round-trip")
    func listingRequests() throws {
        let candidates = ListCandidatesRequest()
        #expect(candidates.migrationID.isEmpty && candidates.pageSize == 0 && candidates.pageToken.isEmpty)
        #expect(candidates.status == .unspecified && candidates.kind.isEmpty && candidates.idPrefix.isEmpty && candidates.metadata.isEmpty)
        let runs = ListRunsRequest()
        #expect(runs.migrationID.isEmpty && runs.status == .unspecified && runs.stepName.isEmpty && runs.stepStatus == .unspecified)
        #expect(runs.updatedAfterUnixMs == 0 && runs.updatedBeforeUnixMs == 0 && runs.pageSize == 0 && runs.pageToken.isEmpty)
        // A request with only the migration id is what an older client sends: the same bytes as before.
        #expect(ListCandidatesRequest(migrationID: "m").encoded() == GetMigrationRequest(migrationID: "m").encoded())
        try expectRoundTrip(ListCandidatesRequest(migrationID: "m", status: .unrecognized(9), idPrefix: "team:app@", metadata: ["": ""]))
        try expectRoundTrip(ListRunsRequest(status: .unrecognized(-3), stepStatus: .unrecognized(Int32.max),
                                            updatedAfterUnixMs: .min, updatedBeforeUnixMs: -1, pageSize: .max))
        try expectRoundTrip(ListRunsResponse(runs: [Run(), Samples.run], nextPageToken: ""))
        #expect(try ListRunsResponse(decoding: ListRunsResponse(runs: [Run(), Run()]).encoded()).runs.count == 2)
        #expect(try ListCandidatesResponse(decoding: ListCandidatesResponse(nextPageToken: "t").encoded()).nextPageToken == "t")
    }

    @Test("candidate steps and inputs: order and duplicates kept as sent, absent means none")
    func candidateStepsAndInputs() throws {
        let plain = Candidate(id: "c", kind: "app")
        #expect(try Candidate(decoding: plain.encoded()).steps == [])
        #expect(try Candidate(decoding: plain.encoded()).inputs == [:])
        // The codec keeps the list as sent; validating it (known steps, each once) is the server's job.
        let chosen = Candidate(id: "c", steps: ["review", "swap", "review", ""], inputs: ["repoName": "x", "": ""])
        try expectRoundTrip(chosen)
        #expect(try Candidate(decoding: chosen.encoded()).steps == ["review", "swap", "review", ""])
        // Inputs and metadata are separate maps: the same key in both stays in both.
        let both = Candidate(metadata: ["repoName": "from-discovery"], inputs: ["repoName": "from-operator"])
        let decoded = try Candidate(decoding: both.encoded())
        #expect(decoded.metadata == ["repoName": "from-discovery"] && decoded.inputs == ["repoName": "from-operator"])
        try expectRoundTrip(UpdateCandidateInputsRequest(migrationID: "m", candidateID: "org/repo"))
        #expect(try UpdateCandidateInputsRequest(decoding: UpdateCandidateInputsRequest(inputs: ["k": ""]).encoded()).inputs == ["k": ""])
    }

    @Test("rejections, cancel-as-failed and run versions: defaults and extremes")
    func rejectionsAndFlags() throws {
        #expect(try AnnounceResponse(decoding: AnnounceResponse(migration: Migration(id: "m")).encoded()).rejectedCandidates == [])
        // An all-default rejection is still an element.
        let announced = AnnounceResponse(rejectedCandidates: [RejectedCandidate(), RejectedCandidate(id: "x", reason: "r")])
        try expectRoundTrip(announced)
        #expect(try AnnounceResponse(decoding: announced.encoded()).rejectedCandidates.count == 2)
        let submitted = SubmitCandidatesResponse(accepted: 1, rejected: [RejectedCandidate(id: "a"), RejectedCandidate(reason: "b")])
        #expect(try SubmitCandidatesResponse(decoding: submitted.encoded()).rejected.map(\.id) == ["a", ""])
        #expect(try SubmitCandidatesResponse(decoding: submitted.encoded()).skippedIDs == [])
        // A cancel without `failed` is what an older client sends: the same bytes as before the field existed.
        #expect(try CancelRunRequest(decoding: CancelRunRequest(failed: true).encoded()).failed)
        #expect(CancelRunRequest(migrationID: "m", candidateID: "c").encoded() == GetRunRequest(migrationID: "m", candidateID: "c").encoded())
        try expectRoundTrip(HistoryEntry(runVersion: .max))
        #expect(try HistoryEntry(decoding: HistoryEntry(id: "1").encoded()).runVersion == 0)
    }

    @Test("watch streams: resume version, entries alongside the newest entry, migration updates")
    func watchMessages() throws {
        try expectRoundTrip(WatchRunRequest(migrationID: "m", candidateID: "c", fromVersion: .max))
        // A request without from_version is what an older client sends: the same bytes as before the field existed.
        #expect(WatchRunRequest(migrationID: "m", candidateID: "c").encoded() == GetRunRequest(migrationID: "m", candidateID: "c").encoded())
        let entries = (1...3).map { HistoryEntry(id: "\($0)", runVersion: UInt64($0)) }
        let update = RunUpdate(run: Run(version: 3), entry: entries.last, entries: entries)
        try expectRoundTrip(update)
        #expect(try RunUpdate(decoding: update.encoded()).entries.map(\.runVersion) == [1, 2, 3])
        // The first message of a stream from version 0: the run, no entries, no entry.
        let first = try RunUpdate(decoding: RunUpdate(run: Run()).encoded())
        #expect(first.entry == nil && first.entries == [])
        try expectRoundTrip(RunUpdate(entries: [HistoryEntry(), HistoryEntry()]))
        #expect(try RunUpdate(decoding: RunUpdate(entries: [HistoryEntry(), HistoryEntry()]).encoded()).entries.count == 2)

        try expectRoundTrip(WatchMigrationRequest(migrationID: "app-chart-migration"))
        #expect(try MigrationUpdate(decoding: MigrationUpdate().encoded()).counts == nil)
        let zero = MigrationUpdate(counts: MigrationCounts())
        try expectRoundTrip(zero)
        #expect(try MigrationUpdate(decoding: zero.encoded()).counts == MigrationCounts())
        let changed = MigrationUpdate(counts: Samples.migrationCounts, runs: [Run(id: "b"), Run(), Run(id: "a")], truncated: true)
        try expectRoundTrip(changed)
        let decoded = try MigrationUpdate(decoding: changed.encoded())
        #expect(decoded.runs.map(\.id) == ["b", "", "a"] && decoded.truncated)
    }

    @Test("maps: empty keys and values, unicode, many entries; equal maps encode identically")
    func maps() throws {
        var metadata = ["": "empty key", "empty value": "", Samples.unicode: Samples.unicode]
        // 256 entries in all: the bound of a map field (DecodeLimits).
        for index in 0..<253 { metadata["key-\(index)"] = String(repeating: "v", count: 2 * index) }
        let candidate = Candidate(id: "c", metadata: metadata)
        try expectRoundTrip(candidate)
        // Rebuilding the dictionary in another order must not change the bytes.
        let reordered = Candidate(id: "c", metadata: Dictionary(uniqueKeysWithValues: metadata.reversed()))
        #expect(reordered.encoded() == candidate.encoded())
    }

    @Test("nested repeated fields: migration > candidates > file groups > files")
    func nestedRepeated() throws {
        let groups = (0..<20).map { group in
            FileGroup(name: "g\(group)", repo: "r", files: (0..<30).map { FileRef(path: "f\($0)", url: "u\(group)") })
        }
        let migration = Migration(id: "m", candidates: (0..<10).map { Candidate(id: "c\($0)", files: groups) })
        try expectRoundTrip(migration)
    }

    @Test("unicode strings keep their exact bytes (no normalization)")
    func unicodeBytes() throws {
        let precomposed = "\u{E9}"
        let decomposed = "e\u{301}"
        let decoded = try SubmitCandidatesResponse(decoding: SubmitCandidatesResponse(skippedIDs: [precomposed, decomposed]).encoded())
        #expect(decoded.skippedIDs.map { Array($0.utf8) } == [Array(precomposed.utf8), Array(decomposed.utf8)])
    }

    @Test("extreme integers and unrecognized enum numbers round-trip")
    func extremes() throws {
        try expectRoundTrip(HistoryEntry(atUnixMs: .min, kind: .unrecognized(Int32.max), attempt: .max,
                                         stepStatus: .unrecognized(-1), runStatus: .unrecognized(Int32.min), runVersion: .max))
        try expectRoundTrip(Run(status: .unrecognized(99), createdAtUnixMs: .max, version: .max, generation: .max))
        let decoded = try Candidate(decoding: Candidate(status: .unrecognized(99)).encoded())
        #expect(decoded.status.rawValue == 99)
    }

    @Test("a migration with 10,000 candidates round-trips")
    func tenThousandCandidates() throws {
        let migration = Samples.migration(candidates: 10_000)
        let bytes = migration.encoded()
        #expect(bytes.count > 1_000_000)
        let decoded = try Migration(decoding: bytes, maxSize: bytes.count)
        #expect(decoded.candidates.count == 10_000)
        #expect(decoded == migration)
    }

    @Test("encode(_:) writes into caller storage the same bytes as encoded()")
    func encodeIntoStorage() {
        let run = Samples.run
        let expected = run.encoded()
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: expected.count + 16, alignment: 1)
        defer { storage.deallocate() }
        let written = run.encode { size, fill in
            #expect(size == expected.count)
            return fill(storage)
        }
        #expect(written == expected.count)
        #expect(Array(storage.prefix(written)) == expected)
        #expect(run.encodedSize == expected.count)
    }

    @Test("messages encode and decode concurrently")
    func concurrentUse() async throws {
        let migration = Samples.migration(candidates: 50)
        let bytes = migration.encoded()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<20 {
                        #expect(migration.encoded() == bytes)
                        let decoded = try Migration(decoding: bytes)
                        #expect(decoded == migration)
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}

/// Expects `message` to decode from its encoding unchanged, and to re-encode to the same bytes.
func expectRoundTrip<M: LoomMessage>(_ message: M, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let bytes = message.encoded()
    #expect(bytes.count == message.encodedSize, sourceLocation: sourceLocation)
    let decoded = try M(decoding: bytes)
    #expect(decoded == message, sourceLocation: sourceLocation)
    #expect(decoded.encoded() == bytes, sourceLocation: sourceLocation)
}
