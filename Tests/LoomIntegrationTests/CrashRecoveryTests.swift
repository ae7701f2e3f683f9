import Foundation
import LoomProto
import LoomRPC
import LoomTestSupport
import Testing

/// Real processes: `loom-server` on a private `redis-server`, an instant migrator, SIGKILLs.
@Suite("Crash recovery and replicas (real processes)", .serialized, .timeLimit(.minutes(5)))
struct CrashRecoveryTests {
    static let steps = ["prepare", "change", "verify"]

    static func announce(_ client: LoomClient, migratorURL: String, candidates: Int) async throws {
        let migration = Migration(
            id: "crash", name: "crash test", migratorURL: migratorURL,
            steps: steps.map { StepDefinition(name: $0, migratorApp: "instant", type: $0) })
        _ = try await client.announce(AnnounceRequest(migration: migration))
        _ = try await client.submitCandidates(
            SubmitCandidatesRequest(
                migrationID: "crash",
                candidates: (0..<candidates).map { Candidate(id: "c\($0)", kind: "test") }))
    }

    /// Retries a call while the server it goes to is down (bounded).
    static func retrying<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        var lastError: (any Error)?
        for _ in 0..<300 {
            do { return try await body() } catch let error as RPCError where [.unavailable, .deadlineExceeded, .cancelled].contains(error.code) {
                lastError = error
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        throw lastError!  // the loop ran
    }

    /// Waits until every run is completed, then checks each step completed exactly once.
    static func expectAllCompleted(_ client: LoomClient, candidates: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(180)
        var pending = Set(0..<candidates)
        while !pending.isEmpty, ContinuousClock.now < deadline {
            for index in pending.sorted() {
                let run = try await retrying {
                    try await client.getRun(GetRunRequest(migrationID: "crash", candidateID: "c\(index)"))
                }
                if run.status == .completed { pending.remove(index) }
            }
            if !pending.isEmpty { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(pending.isEmpty, "runs not completed: \(pending.sorted().prefix(20))")
        for index in 0..<candidates {
            let history = try await client.getRunHistory(
                GetRunHistoryRequest(migrationID: "crash", candidateID: "c\(index)"))
            let completions = history.entries.filter { $0.kind == .stepCompleted }.map(\.stepName)
            #expect(completions == steps, "c\(index): step completions \(completions)")
        }
        // Every candidate completed (paged), and the counts kept with each transition equal a
        // recount from the records: no drift after the crashes.
        var statuses: [String: CandidateStatus] = [:]
        var token = ""
        repeat {
            let page = try await client.listCandidates(ListCandidatesRequest(migrationID: "crash", pageSize: 64, pageToken: token))
            for candidate in page.candidates { statuses[candidate.id] = candidate.status }
            token = page.nextPageToken
        } while !token.isEmpty
        #expect(statuses.count == candidates)
        #expect(statuses.values.allSatisfy { $0 == .completed })
        let recount = try await client.recountMigration(RecountMigrationRequest(migrationID: "crash"))
        #expect(recount.drift.isEmpty, "drift after crashes: \(recount.drift)")
        let counts = try #require(try await client.getMigration(GetMigrationRequest(migrationID: "crash")).counts)
        #expect(counts.candidatesCompleted == UInt64(candidates))
        #expect(counts.runsCompleted == UInt64(candidates))
        #expect(counts.runsRunning == 0 && counts.runsWaitingRetry == 0 && counts.steps.isEmpty)
        var completedRuns = 0
        token = ""
        repeat {
            let page = try await client.listRuns(ListRunsRequest(migrationID: "crash", status: .completed, pageSize: 50, pageToken: token))
            completedRuns += page.runs.count
            token = page.nextPageToken
        } while !token.isEmpty
        #expect(completedRuns == candidates)
    }

    @Test("200 runs × 3 steps survive 5 SIGKILLs of the server: all complete, each step exactly once")
    func crashes() async throws {
        let redis = try await RedisServerFixture.start(RedisServerFixture.Options(persistence: true))
        defer { redis.stop() }
        let directory = redis.directory.path
        let server = ServerProcess(
            rpcPort: try RedisServerFixture.freePort(), httpPort: try RedisServerFixture.freePort(),
            extraArguments: ["--redis", redis.unixURL, "--dispatch-timeout", "2", "--timer-lease", "1"],
            logPath: directory + "/server.log")
        try await server.start()
        defer { server.kill() }
        let migrator = try await InstantMigrator.start(rpcPorts: [server.rpcPort])
        defer { Task { try? await migrator.server.close() } }
        let client = LoomClient(host: "127.0.0.1", port: server.rpcPort, configuration: .init(transportSecurity: .insecure))
        try await Self.announce(client, migratorURL: migrator.url, candidates: 200)

        let starts = Task {
            for index in 0..<200 {
                do {
                    _ = try await Self.retrying {
                        try await client.startRun(StartRunRequest(migrationID: "crash", candidateID: "c\(index)"))
                    }
                } catch let error as RPCError where [.alreadyExists, .failedPrecondition].contains(error.code) {
                    // A start whose answer was lost in a crash, then retried: the run exists (or already finished).
                }
            }
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5 {
            try await Task.sleep(for: .milliseconds(Int.random(in: 50...400, using: &generator)))
            server.kill()
            try await server.start()
        }
        try await starts.value
        try await Self.expectAllCompleted(client, candidates: 200)
        #expect(migrator.dispatchCount >= 600)
        await client.close()
    }

    @Test("two replicas share one Redis: events reach either, and the survivor finishes when one dies")
    func replicas() async throws {
        let redis = try await RedisServerFixture.start()
        defer { redis.stop() }
        let directory = redis.directory.path
        let common = ["--redis", redis.unixURL, "--dispatch-timeout", "2", "--timer-lease", "1"]
        let first = ServerProcess(
            rpcPort: try RedisServerFixture.freePort(), httpPort: try RedisServerFixture.freePort(),
            extraArguments: common, logPath: directory + "/first.log")
        let second = ServerProcess(
            rpcPort: try RedisServerFixture.freePort(), httpPort: try RedisServerFixture.freePort(),
            extraArguments: common, logPath: directory + "/second.log")
        try await first.start()
        try await second.start()
        defer { first.kill(); second.kill() }
        // The migrator alternates its reports between the two replicas.
        let migrator = try await InstantMigrator.start(rpcPorts: [first.rpcPort, second.rpcPort])
        defer { Task { try? await migrator.server.close() } }
        let viaFirst = LoomClient(host: "127.0.0.1", port: first.rpcPort, configuration: .init(transportSecurity: .insecure))
        let viaSecond = LoomClient(host: "127.0.0.1", port: second.rpcPort, configuration: .init(transportSecurity: .insecure))
        try await Self.announce(viaFirst, migratorURL: migrator.url, candidates: 60)
        for index in 0..<60 {
            _ = try await viaFirst.startRun(StartRunRequest(migrationID: "crash", candidateID: "c\(index)"))
        }
        first.kill()
        try await Self.expectAllCompleted(viaSecond, candidates: 60)
        await viaFirst.close()
        await viaSecond.close()
    }
}
