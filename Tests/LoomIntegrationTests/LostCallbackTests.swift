import Foundation
import LoomAPI
import LoomProto
import LoomRPC
import LoomTestSupport
import Testing

/// The crash test rerun with a migrator that never retries callbacks (issue #17): callbacks
/// sent while the server is SIGKILLed are lost for good; after `--step-silence` the restarted
/// server asks `/step-status` and finishes every run, or — when the migrator has no such
/// endpoint — lists the runs as stalled. No run is left silently waiting.
@Suite("Lost callbacks after a SIGKILL (real processes)", .serialized, .timeLimit(.minutes(3)))
struct LostCallbackTests {
    static let candidates = 20

    /// Starts Redis, the server (`--step-silence 2`) and a lossy migrator; starts every run with the
    /// migrator's callbacks held, kills the server, lets the callbacks fail (each is sent once and
    /// dropped), restarts the server. Returns what `body` needs to check the outcome.
    static func withLostCallbacks(
        statusEndpoint: Bool,
        _ body: (LoomClient, LossyMigrator) async throws -> Void
    ) async throws {
        let redis = try await RedisServerFixture.start(RedisServerFixture.Options(persistence: true))
        defer { redis.stop() }
        let server = ServerProcess(
            extraArguments: ["--redis", redis.unixURL, "--replica-id", "lost-callbacks", "--step-silence", "2"],
            logPath: redis.directory.path + "/server.log")
        try await server.start()
        defer { server.kill() }
        let migrator = try await LossyMigrator.start(rpcPort: server.rpcPort, statusEndpoint: statusEndpoint)
        defer { Task { try? await migrator.server.close() } }
        let client = LoomClient(host: "127.0.0.1", port: server.rpcPort, configuration: .init(transportSecurity: .insecure))
        defer { Task { await client.close() } }
        try await CrashRecoveryTests.announce(client, migratorURL: migrator.url, candidates: candidates)

        // Every run's first callback waits at the gate while the server is up…
        migrator.closeGate()
        for index in 0..<candidates {
            _ = try await client.startRun(StartRunRequest(migrationID: "crash", candidateID: "c\(index)"))
        }
        try #require(await migrator.waitUntilGated(candidates), "fewer than \(candidates) callbacks came to the gate")
        // …and goes out, once, to a server that is gone: all of them are lost.
        server.kill()
        migrator.openGate()
        try #require(await migrator.waitUntilLost(candidates), "callbacks lost: \(migrator.lost.count)")
        #expect(migrator.delivered.isEmpty)
        try await server.start()
        try await body(client, migrator)
    }

    /// Polls (the server gives no signal; bounded) until `done` holds for every run, each read once per round.
    static func waitForRuns(_ client: LoomClient, within limit: Duration, until done: (Run) -> Bool) async throws -> [String: Run] {
        let deadline = ContinuousClock.now + limit
        var runs: [String: Run] = [:]
        while ContinuousClock.now < deadline {
            for index in 0..<candidates where runs["c\(index)"].map(done) != true {
                runs["c\(index)"] = try await CrashRecoveryTests.retrying {
                    try await client.getRun(GetRunRequest(migrationID: "crash", candidateID: "c\(index)"))
                }
            }
            if runs.count == candidates, runs.values.allSatisfy(done) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return runs
    }

    @Test("a migrator that never retries and serves /step-status: every run completes, the lost steps via status checks")
    func lostCallbacksReconciled() async throws {
        try await Self.withLostCallbacks(statusEndpoint: true) { client, migrator in
            let runs = try await Self.waitForRuns(client, within: .seconds(40)) { $0.status == .completed }
            let unfinished = runs.filter { $0.value.status != .completed }.keys.sorted()
            #expect(unfinished.isEmpty, "runs not completed: \(unfinished)")
            // The lost first steps were completed by the migrator's /step-status answer, recorded in history.
            let lost = migrator.lost
            #expect(lost.count == Self.candidates)
            #expect(Set(lost.values.map(\.step)) == ["prepare"])
            for (key, (run, step)) in lost {
                #expect(migrator.statusAsks[key, default: 0] >= 1, "\(key) never asked about")
                let candidate = run.components(separatedBy: "__").last ?? run
                let history = try await client.getRunHistory(GetRunHistoryRequest(migrationID: "crash", candidateID: candidate))
                let checks = history.entries.filter { $0.kind == .statusChecked && $0.stepName == step }
                #expect(
                    checks.contains { $0.detail.contains("answered with the step's outcome (HTTP 200)") },
                    "\(candidate): status checks \(checks.map(\.detail))")
                let completions = history.entries.filter { $0.kind == .stepCompleted }.map(\.stepName)
                #expect(completions == CrashRecoveryTests.steps, "\(candidate): step completions \(completions)")
                #expect(!history.entries.contains { $0.kind == .stepStalled })
            }
            // The later steps' callbacks went through.
            #expect(migrator.delivered.count == Self.candidates * 2)
        }
    }

    @Test("a migrator that never retries and has no /step-status: every run is listed as stalled")
    func lostCallbacksStalled() async throws {
        try await Self.withLostCallbacks(statusEndpoint: false) { client, migrator in
            let runs = try await Self.waitForRuns(client, within: .seconds(40)) { $0.stalledSinceUnixMs > 0 }
            let waiting = runs.filter { $0.value.stalledSinceUnixMs == 0 }.keys.sorted()
            #expect(waiting.isEmpty, "runs neither finished nor stalled: \(waiting)")
            #expect(runs.values.allSatisfy { $0.status == .running })
            var listed: Set<String> = []
            var token = ""
            repeat {
                let page = try await client.listRuns(ListRunsRequest(migrationID: "crash", pageSize: 7, pageToken: token, stalled: true))
                listed.formUnion(page.runs.map(\.candidateID))
                token = page.nextPageToken
            } while !token.isEmpty
            #expect(listed == Set((0..<Self.candidates).map { "c\($0)" }))
            let history = try await client.getRunHistory(GetRunHistoryRequest(migrationID: "crash", candidateID: "c0"))
            #expect(history.entries.contains { $0.kind == .stepStalled && $0.stepName == "prepare" && $0.detail.contains("HTTP 404") })
            #expect(migrator.delivered.isEmpty)
        }
    }
}
