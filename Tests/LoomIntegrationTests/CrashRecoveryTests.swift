import Foundation
import LoomAPI
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
    static func expectAllCompleted(_ client: LoomClient, candidates: Int, seed: UInt64? = nil) async throws {
        let replay = seed.map { " (replay: LOOM_CRASH_SEED=\($0))" } ?? ""
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
        #expect(pending.isEmpty, "runs not completed: \(pending.sorted().prefix(20))\(replay)")
        for index in 0..<candidates {
            let history = try await client.getRunHistory(
                GetRunHistoryRequest(migrationID: "crash", candidateID: "c\(index)"))
            let completions = history.entries.filter { $0.kind == .stepCompleted }.map(\.stepName)
            #expect(completions == steps, "c\(index): step completions \(completions)\(replay)")
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
        #expect(recount.drift.isEmpty, "drift after crashes: \(recount.drift)\(replay)")
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

    /// The seed of the kill timings: `LOOM_CRASH_SEED` when set (to replay a failure), else a fresh one.
    /// Printed either way, so a failing run can be repeated with the same timings.
    static func crashSeed() -> UInt64 {
        if let text = ProcessInfo.processInfo.environment["LOOM_CRASH_SEED"], let seed = UInt64(text) { return seed }
        return UInt64.random(in: 1...UInt64.max)
    }

    /// Runs a Lua script on the fixture's Redis with `redis-cli` (the test target has no Redis client).
    static func redisEval(_ redis: RedisServerFixture, _ script: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
        process.arguments = ["-s", redis.socketPath, "EVAL", script, "0"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The incarnation registered for `replica` (`<incarnation>:<beats>` at `loom:replica:<id>`).
    static func registeredIncarnation(_ redis: RedisServerFixture, replica: String) throws -> String {
        let value = try redisEval(redis, "return redis.call('GET', KEYS[1] or ARGV[1]) or ''", ["loom:replica:\(replica)"])
        return String(value.split(separator: ":").first ?? "")
    }

    /// How many timer leases are held by an incarnation other than `incarnation` (every
    /// partition's lease-holder hash); all of them when `incarnation` is empty.
    static func leases(_ redis: RedisServerFixture, notHeldBy incarnation: String) throws -> Int {
        let script = """
            local n = 0
            for _, key in ipairs(redis.call('KEYS', 'loom:*:leases')) do
              for _, holder in ipairs(redis.call('HVALS', key)) do
                if ARGV[1] == '' or not string.find(holder, '/' .. ARGV[1], 1, true) then n = n + 1 end
              end
            end
            return n
            """
        return Int(try redisEval(redis, script, [incarnation])) ?? -1
    }

    /// Runs completed so far (one listing page: at most 1000).
    static func completedRuns(_ client: LoomClient) async throws -> Int {
        try await retrying {
            try await client.listRuns(ListRunsRequest(migrationID: "crash", status: .completed, pageSize: 1000)).runs.count
        }
    }

    @Test("210 runs × 3 steps survive 6 SIGKILLs of the server: all complete, each step exactly once, resumed before any lease expired")
    func crashes() async throws {
        let seed = Self.crashSeed()
        print("CrashRecoveryTests: kill timings from LOOM_CRASH_SEED=\(seed) (set it to replay them)")
        let redis = try await RedisServerFixture.start(RedisServerFixture.Options(persistence: true))
        defer { redis.stop() }
        let directory = redis.directory.path
        // Default leases (timer claims 30 s, dispatches 35 s): what a killed process leaves under
        // a lease resumes only because the restarted replica (same --replica-id) takes it back.
        let server = ServerProcess(
            extraArguments: ["--redis", redis.unixURL, "--replica-id", "crash-test"],
            logPath: directory + "/server.log")
        try await server.start()
        defer { server.kill() }
        let migrator = try await InstantMigrator.start(rpcPorts: [server.rpcPort])
        defer { Task { try? await migrator.server.close() } }
        let client = LoomClient(host: "127.0.0.1", port: server.rpcPort, configuration: .init(transportSecurity: .insecure))
        try await Self.announce(client, migratorURL: migrator.url, candidates: 210)

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
        var generator = SeededRandomNumberGenerator(seed: seed)
        var dead: Set<String> = []
        for _ in 0..<5 {
            try await Task.sleep(for: .milliseconds(Int.random(in: 50...400, using: &generator)))
            dead.insert(try Self.registeredIncarnation(redis, replica: "crash-test"))
            server.kill()
            try await server.start()
        }
        try await starts.value

        // The last crash leaves work under leases for sure: 10 runs are mid-POST (the migrator
        // holds their first dispatch) when the server is killed, so their outcome is lost with it
        // and they wait under its dispatch leases (35 s by default) — unless the restarted replica
        // takes them back.
        let held = (200..<210).map { "c\($0)" }
        migrator.hold(candidates: Set(held))
        for candidate in held {
            _ = try await Self.retrying { try await client.startRun(StartRunRequest(migrationID: "crash", candidateID: candidate)) }
        }
        await migrator.waitUntilHolding(held.count)
        dead.insert(try Self.registeredIncarnation(redis, replica: "crash-test"))
        server.kill()
        let stranded = try Self.leases(redis, notHeldBy: "")
        migrator.releaseHeld()
        try await server.start()
        let restartedAt = ContinuousClock.now
        // Measured from the restart: when every lease is held by the new incarnation (the killed
        // ones' taken back, or moved on), and when every run completed. Polled: the server gives
        // no signal.
        var takenBack: Duration?
        var completedAfter: Duration?
        while completedAfter == nil, ContinuousClock.now - restartedAt < .seconds(120) {
            let current = try Self.registeredIncarnation(redis, replica: "crash-test")
            if takenBack == nil, !current.isEmpty, !dead.contains(current), try Self.leases(redis, notHeldBy: current) == 0 {
                takenBack = ContinuousClock.now - restartedAt
            }
            if try await Self.completedRuns(client) == 210 { completedAfter = ContinuousClock.now - restartedAt }
            try await Task.sleep(for: .milliseconds(50))
        }
        print(
            "CrashRecoveryTests: the last kill left \(stranded) leases; all taken back \(takenBack.map { "\($0)" } ?? "never") "
                + "and every run completed \(completedAfter.map { "\($0)" } ?? "never") after the restart")
        #expect(stranded >= held.count)
        // Without the takeover the held runs would wait for their 35 s dispatch leases.
        #expect(takenBack.map { $0 < .seconds(10) } == true, "leases of the killed process taken back after \(String(describing: takenBack))")
        // No run waits for a lease either (#16 item 9: a report refused by the restarted replica
        // before its takeover used to make it the holder of a dispatch it never made, and that run
        // waited for its 35 s lease). The goal is every run completed within 2 s of the restart
        // (measured on an idle machine: 0.5–1.3 s over 27 seeds); the bound leaves room for a
        // loaded one (up to 6 s seen in runs that waited for no lease) and still fails on any
        // 30 s / 35 s lease.
        #expect(completedAfter.map { $0 < .seconds(10) } == true, "runs completed \(String(describing: completedAfter)) after the restart (LOOM_CRASH_SEED=\(seed))")
        try await Self.expectAllCompleted(client, candidates: 210, seed: seed)
        #expect(migrator.dispatchCount >= 600)
        await client.close()
    }

    @Test("two replicas share one Redis: events reach either, and the survivor finishes when one dies")
    func replicas() async throws {
        let redis = try await RedisServerFixture.start()
        defer { redis.stop() }
        let directory = redis.directory.path
        let common = ["--redis", redis.unixURL, "--dispatch-timeout", "2", "--timer-lease", "1"]
        // Two live processes need two replica ids (one host name would make the second refuse to start).
        let first = ServerProcess(extraArguments: common + ["--replica-id", "first"], logPath: directory + "/first.log")
        let second = ServerProcess(extraArguments: common + ["--replica-id", "second"], logPath: directory + "/second.log")
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
