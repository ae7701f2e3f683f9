import LoomProto
import Testing

/// Loom's bytes against an independent protobuf implementation, Debian's `protoc`:
/// what Loom encodes, protoc decodes to the same fields, and what protoc encodes, Loom
/// decodes to the same value.
@Suite("Interop with protoc")
struct InteropTests {
    @Test("protoc --decode reads every Loom-encoded message field by field", arguments: Samples.all.indices)
    func protocDecodesLoomBytes(index: Int) throws {
        let message = Samples.all[index]
        let name = type(of: message).protoName
        let text = try TextMessage(parsing: Protoc.decode(name, message.encoded()))
        let problems = differences(between: message, and: text)
        #expect(problems.isEmpty, "\(name): \(problems.joined(separator: "\n"))")
    }

    @Test("Loom decodes what protoc --encode produced from every message's text", arguments: Samples.all.indices)
    func loomDecodesProtocBytes(index: Int) throws {
        func check<M: LoomMessage>(_ message: M) throws {
            let bytes = try Protoc.encode(M.protoName, textFormat(of: message))
            #expect(try M(decoding: bytes) == message, "\(M.protoName)")
        }
        try check(Samples.all[index])
    }

    @Test("a migration written by hand in text format decodes field by field")
    func handWrittenMigration() throws {
        let text = #"""
            id: "app-chart-migration"
            name: "Chart \"v2\""
            migrator_url: "https://migrator:8443"
            required_inputs { name: "repoName" label: "Repository" }
            candidates {
              id: "billing-api"
              kind: "application"
              metadata { key: "team" value: "payments" }
              metadata { key: "team" value: "billing" }
              metadata { key: "caf\303\251" value: "\360\237\247\265" }
              files { name: "prod" repo: "billing" files { path: "values.yaml" url: "https://x/v" } files { path: "b" } }
              status: CANDIDATE_STATUS_RUNNING
            }
            candidates { id: "empty" status: 7 }
            steps { name: "swap" type: "swap-chart" config { key: "loom.timeout_seconds" value: "60" } }
            created_at_unix_ms: -5
            updated_at_unix_ms: 9223372036854775807
            owner: "spiffe://example.org/m"
            counts {
              candidates_not_started: 18446744073709551615
              runs_waiting_retry: 2
              steps { step_name: "swap" open: 1 failed: 1 }
              steps { }
            }
            """#
        let migration = try Migration(decoding: Protoc.encode("loom.v1.Migration", text))
        #expect(migration.id == "app-chart-migration")
        #expect(migration.name == "Chart \"v2\"")
        #expect(migration.description == "")
        #expect(migration.migratorURL == "https://migrator:8443")
        #expect(migration.requiredInputs == [InputDefinition(name: "repoName", label: "Repository")])
        #expect(migration.candidates.count == 2)
        let candidate = try #require(migration.candidates.first)
        #expect(candidate.id == "billing-api")
        #expect(candidate.kind == "application")
        #expect(candidate.metadata == ["team": "billing", "café": "🧵"])  // the last duplicate key wins
        #expect(candidate.files == [
            FileGroup(name: "prod", repo: "billing", files: [FileRef(path: "values.yaml", url: "https://x/v"), FileRef(path: "b")]),
        ])
        #expect(candidate.status == .running)
        #expect(migration.candidates[1] == Candidate(id: "empty", status: .unrecognized(7)))
        #expect(migration.steps == [StepDefinition(name: "swap", type: "swap-chart", config: ["loom.timeout_seconds": "60"])])
        #expect(migration.createdAtUnixMs == -5)
        #expect(migration.updatedAtUnixMs == .max)
        #expect(migration.owner == "spiffe://example.org/m")
        #expect(migration.counts == MigrationCounts(
            candidatesNotStarted: .max,
            runsWaitingRetry: 2,
            steps: [StepCounts(stepName: "swap", open: 1, failed: 1), StepCounts()]
        ))
    }

    @Test("candidate steps and inputs, and watch messages, written by hand in text format decode field by field")
    func handWrittenWatchMessages() throws {
        let candidate = try Candidate(decoding: Protoc.encode("loom.v1.Candidate", #"""
            id: "org/billing-api"
            steps: "review"
            steps: "swap-chart"
            inputs { key: "repoName" value: "first" }
            inputs { key: "repoName" value: "billing" }
            inputs { key: "ticket" value: "" }
            """#))
        #expect(candidate == Candidate(id: "org/billing-api", steps: ["review", "swap-chart"], inputs: ["repoName": "billing", "ticket": ""]))

        let update = try RunUpdate(decoding: Protoc.encode("loom.v1.RunUpdate", #"""
            run { id: "m__c" version: 7 }
            entry { id: "2" kind: HISTORY_KIND_RUN_COMPLETED run_version: 7 }
            entries { id: "1" kind: HISTORY_KIND_STEP_COMPLETED run_version: 7 }
            entries { id: "2" kind: HISTORY_KIND_RUN_COMPLETED run_version: 7 }
            """#))
        #expect(update.run == Run(id: "m__c", version: 7))
        #expect(update.entry == HistoryEntry(id: "2", kind: .runCompleted, runVersion: 7))
        #expect(update.entries == [HistoryEntry(id: "1", kind: .stepCompleted, runVersion: 7), HistoryEntry(id: "2", kind: .runCompleted, runVersion: 7)])

        let migrationUpdate = try MigrationUpdate(decoding: Protoc.encode("loom.v1.MigrationUpdate", #"""
            counts { runs_running: 2 steps { step_name: "review" awaiting_review: 1 } }
            runs { id: "m__a" status: RUN_STATUS_RUNNING version: 18446744073709551615 }
            runs { }
            truncated: true
            """#))
        #expect(migrationUpdate == MigrationUpdate(
            counts: MigrationCounts(runsRunning: 2, steps: [StepCounts(stepName: "review", awaitingReview: 1)]),
            runs: [Run(id: "m__a", status: .running, version: .max), Run()],
            truncated: true
        ))
        #expect(try WatchRunRequest(decoding: Protoc.encode("loom.v1.WatchRunRequest", "from_version: 42")).fromVersion == 42)
        #expect(try CancelRunRequest(decoding: Protoc.encode("loom.v1.CancelRunRequest", "failed: true")).failed)
    }

    @Test("protoc decodes a 1,000-candidate migration field by field")
    func largeMigration() throws {
        let migration = Samples.migration(candidates: 1_000)
        let text = try TextMessage(parsing: Protoc.decode(Migration.protoName, migration.encoded()))
        #expect(differences(between: migration, and: text).isEmpty)
    }
}
