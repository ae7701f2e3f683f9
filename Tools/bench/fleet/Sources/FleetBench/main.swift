import Foundation
import LoomAPI
import LoomProto
import LoomRPC
import NIOCore
import NIOPosix

// Usage: FleetBench HOST:PORT [candidates=100000] [runs=10000]
//        FleetBench starve HOST:PORT [candidates=100000] [bursts=3]   (Starvation.swift)
// LOOM_BENCH_SERVER_PID=<pid of loom-server> adds the server's RSS. Tools/bench/fleet/run sets up
// redis-server (AOF everysec) and loom-server and calls this.
var arguments = Array(CommandLine.arguments.dropFirst())
let starve = arguments.first == "starve"
if starve { arguments.removeFirst() }
guard let target = arguments.first, let colon = target.lastIndex(of: ":"), let port = Int(target[target.index(after: colon)...]) else {
    print("usage: FleetBench HOST:PORT [candidates] [runs]")
    exit(64)
}
let host = String(target[..<colon])
let candidateCount = arguments.count > 1 ? Int(arguments[1]) ?? 100_000 : 100_000
let runCount = arguments.count > 2 ? Int(arguments[2]) ?? 10_000 : 10_000
// Runs started per second while listings are measured (each start makes 4 transitions: start
// with its first dispatch, "prepare" completed with the next dispatch, two beats of "open-pr").
let startRate = Double(ProcessInfo.processInfo.environment["LOOM_BENCH_START_RATE"] ?? "") ?? 250
guard NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() else {
    fatalError("cannot install NIO's event loops as the global executor")
}
if starve {
    try await Starvation.run(
        host: host, port: port, candidateCount: candidateCount, bursts: arguments.count > 2 ? Int(arguments[2]) ?? 3 : 3)
    exit(0)
}

func connect() -> LoomClient { LoomClient(host: host, port: port, configuration: .init(transportSecurity: .insecure)) }
let client = connect()
let reporter = connect()
let migrationID = "fleet-\(Int(Date().timeIntervalSince1970))"
let steps = ["prepare", "open-pr", "merge"]

/// Milliseconds of a duration.
func ms(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
}

/// `p50=… p99=… max=…` of samples in ms.
func summary(_ samples: [Double]) -> String {
    let sorted = samples.sorted()
    func p(_ q: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] }
    return String(format: "p50=%.3f ms p99=%.3f ms max=%.3f ms (n=%d)", p(0.5), p(0.99), sorted.last ?? 0, sorted.count)
}

/// Times `body` `count` times, sequentially.
func timed(_ count: Int, _ body: () async throws -> Void) async throws -> [Double] {
    var samples: [Double] = []
    for _ in 0..<count {
        let start = ContinuousClock.now
        try await body()
        samples.append(ms(ContinuousClock.now - start))
    }
    return samples
}

func serverMemory() -> String {
    guard let pid = ProcessInfo.processInfo.environment["LOOM_BENCH_SERVER_PID"],
        let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
    else { return "(set LOOM_BENCH_SERVER_PID for the server's RSS)" }
    return status.split(separator: "\n").filter { $0.hasPrefix("VmRSS") || $0.hasPrefix("VmHWM") }
        .map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }.joined(separator: ", ")
}

// The migrator: acknowledges each dispatch, then reports it over RPC — "prepare" and "merge"
// complete, "open-pr" opens a pull request that stays open, so started runs stay active.
let reported = ManagedAtomicCounter()
let migrator = try await BenchMigrator(group: MultiThreadedEventLoopGroup.singleton) { dispatch in
    Task {
        let event = StepEvent(
            stepName: dispatch.stepName, candidateID: dispatch.candidateId, success: true,
            phase: dispatch.stepName == "open-pr" ? "open" : "")
        _ = try? await reporter.reportStepEvent(
            ReportStepEventRequest(runID: dispatch.callbackId, callbackToken: dispatch.callbackToken, event: event))
        reported.increment()
    }
}
_ = try await client.announce(
    AnnounceRequest(
        migration: Migration(
            id: migrationID, name: "fleet bench", migratorURL: "http://127.0.0.1:\(migrator.port)",
            steps: steps.map { StepDefinition(name: $0, migratorApp: "bench", type: $0) })))
print("migration \(migrationID): \(candidateCount) candidates, \(runCount) runs, steps \(steps.joined(separator: " → "))")

// 1. Submit the candidates over RPC in batches of 5,000, four at a time.
let batch = 5_000
let submitStart = ContinuousClock.now
try await withThrowingTaskGroup(of: Void.self) { group in
    for lane in 0..<4 {
        group.addTask {
            for first in stride(from: lane * batch, to: candidateCount, by: 4 * batch) {
                let candidates = (first..<min(candidateCount, first + batch)).map { index in
                    Candidate(
                        id: "org-\(index % 100)/repo-\(index)", kind: index % 10 == 0 ? "library" : "service",
                        metadata: ["team": "team-\(index % 50)"])
                }
                let response = try await client.submitCandidates(SubmitCandidatesRequest(migrationID: migrationID, candidates: candidates))
                precondition(response.rejected.isEmpty && Int(response.accepted) == candidates.count, "submission refused candidates")
            }
        }
    }
    try await group.waitForAll()
}
let submitSeconds = ms(ContinuousClock.now - submitStart) / 1000
print(String(format: "submit %d candidates over RPC: %.2f s (%.0f candidates/s)", candidateCount, submitSeconds, Double(candidateCount) / submitSeconds))
print("server memory after submit: \(serverMemory())")

// 2. GetMigration with counts.
_ = try await timed(100) { _ = try await client.getMigration(GetMigrationRequest(migrationID: migrationID)) }
let getMigration = try await timed(2_000) { _ = try await client.getMigration(GetMigrationRequest(migrationID: migrationID)) }
print("GetMigration with counts: \(summary(getMigration))")

// 3. Listing pages of 100 with a status filter while runs start and progress.
func listings(_ count: Int) async throws -> (candidates: [Double], runs: [Double], nextRuns: [Double]) {
    var candidates: [Double] = []
    var runs: [Double] = []
    var nextRuns: [Double] = []
    for _ in 0..<count {
        candidates += try await timed(1) {
            _ = try await client.listCandidates(ListCandidatesRequest(migrationID: migrationID, pageSize: 100, status: .running))
        }
        var token = ""
        runs += try await timed(1) {
            token = try await client.listRuns(ListRunsRequest(migrationID: migrationID, status: .running, pageSize: 100)).nextPageToken
        }
        // A later page of the same listing (runs have moved since its first page).
        if !token.isEmpty {
            nextRuns += try await timed(1) {
                _ = try await client.listRuns(ListRunsRequest(migrationID: migrationID, status: .running, pageSize: 100, pageToken: token))
            }
        }
    }
    return (candidates, runs, nextRuns)
}
let transitionsBefore = reported.value
let startClock = ContinuousClock.now
let starter = Task {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for lane in 0..<32 {
            group.addTask {
                for index in stride(from: lane, to: runCount, by: 32) {
                    try await Task.sleep(until: startClock + .milliseconds(Int64(Double(index) * 1000 / startRate)), clock: .continuous)
                    _ = try await client.startRun(StartRunRequest(migrationID: migrationID, candidateID: "org-\(index % 100)/repo-\(index)"))
                }
            }
        }
        try await group.waitForAll()
    }
}
// Sample every 100 ms for as long as runs start and progress.
var during = (candidates: [Double](), runs: [Double](), nextRuns: [Double]())
while reported.value - transitionsBefore < 2 * runCount, ms(ContinuousClock.now - startClock) < 300_000 {
    let round = try await listings(1)
    during.candidates += round.candidates
    during.runs += round.runs
    during.nextRuns += round.nextRuns
    try await Task.sleep(for: .milliseconds(100))
}
let duringTransitions = reported.value - transitionsBefore
try await starter.value
while reported.value - transitionsBefore < 2 * runCount, ms(ContinuousClock.now - startClock) < 300_000 {
    try await Task.sleep(for: .milliseconds(100))
}
let progressSeconds = ms(ContinuousClock.now - startClock) / 1000
print(String(format: "started %d runs at %.0f/s, 2 steps each reported (%d events) in %.2f s", runCount, startRate, reported.value - transitionsBefore, progressSeconds))
print("  while runs progressed (\(duringTransitions) events during the samples):")
print("    ListCandidates status=running page 100: \(summary(during.candidates))")
print("    ListRuns status=running page 100:       \(summary(during.runs))")
print("    ListRuns its second page:               \(summary(during.nextRuns))")
let settled = try await listings(200)
print("  settled:")
print("    ListCandidates status=running page 100: \(summary(settled.candidates))")
print("    ListRuns status=running page 100:       \(summary(settled.runs))")
print("    ListRuns its second page:               \(summary(settled.nextRuns))")
let counts = try await client.getMigration(GetMigrationRequest(migrationID: migrationID)).counts
print("counts: candidates running \(counts?.candidatesRunning ?? 0), not_started \(counts?.candidatesNotStarted ?? 0); runs running \(counts?.runsRunning ?? 0); open PRs \(counts?.steps.first { $0.stepName == "open-pr" }?.open ?? 0)")
print("server memory with \(candidateCount) candidates and \(runCount) active runs: \(serverMemory())")
var recountStart = ContinuousClock.now
let recount = try await client.recountMigration(RecountMigrationRequest(migrationID: migrationID))
print(String(format: "recount (check) of %d candidates and %d runs: %.0f ms, ", candidateCount, runCount, ms(ContinuousClock.now - recountStart))
    + (recount.drift.isEmpty ? "no drift" : "DRIFT \(recount.drift)"))
recountStart = ContinuousClock.now
let repaired = try await client.recountMigration(RecountMigrationRequest(migrationID: migrationID, repair: true))
print(String(format: "recount with repair (rebuilds counts and indexes, as the upgrade does): %.0f ms", ms(ContinuousClock.now - recountStart))
    + ", drift after repair: \(repaired.drift.isEmpty ? "none" : "\(repaired.drift)")")
try await migrator.close()
await client.close()
await reporter.close()

/// A counter shared by tasks.
final class ManagedAtomicCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
