import Foundation
import Logging
import LoomCore
import LoomRedis
import LoomServer
import LoomStores
import NIOCore
import NIOPosix

// Usage: OrchestratorBench [flow|waiting] [runs=10000] [steps=5]
//   flow:    every step is answered at once; measures transitions/s and event->dispatch delay.
//   waiting: every run's first step is dispatched and never answered; measures memory.
let mode = CommandLine.arguments.dropFirst().first { Int($0) == nil } ?? "flow"
let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let runs = arguments.first ?? 10_000
let stepCount = arguments.dropFirst().first ?? 5
let environment = ProcessInfo.processInfo.environment
if environment["LOOM_BENCH_DISPATCH_EXECUTOR"] != "1" {
    guard NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() else {
        fatalError("cannot install NIO's event loops as the global executor")
    }
}
let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
// What loom-server ships with its default flags: the Redis pool of the orchestrator's lane, and
// the orchestrator's tunables (the server changes only timeouts, dispatch attempts, the timer
// lease, the callback URL and the replica id from its flags; the in-flight bound is this default).
let shipped = ServerConfiguration()
let orchestratorConfiguration = Orchestrator.Configuration.defaults

let stepNames = (1...stepCount).map { "step-\($0)" }
let store: any LoomStore
var pool: RedisConnectionPool?
var counting: CountingRedisClient?
if let url = environment["LOOM_BENCH_REDIS_URL"] {
    let redisPool = RedisConnectionPool(
        configuration: try RedisConfiguration(url: url), options: .init(size: shipped.redisConnections), logger: quiet)
    pool = redisPool
    let client = CountingRedisClient(redisPool)
    counting = client
    store = RedisStore(client: client)
    print("store: redis at \(url)")
} else {
    store = InMemoryStore()
    print("store: in-memory")
}
let migrator = InstantMigrator(runs: runs, lastStep: stepNames.last!, answers: mode != "waiting")
// The server's signer: every dispatch carries an HMAC token, every event's token is verified.
var keyGenerator = SystemRandomNumberGenerator()
let signer = try HMACCallbackTokenSigner(key: (0..<32).map { _ in UInt8.random(in: 0...255, using: &keyGenerator) })
let orchestrator = Orchestrator(
    store: store, migrator: migrator, clock: SystemWallClock(), signer: signer,
    configuration: orchestratorConfiguration, logger: quiet
)
print(
    "signer: HMACCallbackTokenSigner; max in-flight runs \(orchestratorConfiguration.maxInFlightRuns)"
        + (pool == nil ? "" : "; redis connections \(shipped.redisConnections)"))
let service = Service(orchestrator: orchestrator, logger: quiet)
migrator.service = service

let candidates = (0..<runs).map { Candidate(id: "app-\($0)", kind: "application") }
_ = try await service.announce(
    Migration(
        id: "bench", migratorUrl: "http://migrator.invalid",
        steps: stepNames.map { StepDefinition(name: $0, type: "noop") }
    )
)
for chunk in stride(from: 0, to: runs, by: 10_000) {
    _ = try await service.submitCandidates(migrationId: "bench", candidates: Array(candidates[chunk..<min(runs, chunk + 10_000)]))
}

/// Total `calls=` over every command in `INFO commandstats`.
func redisCommandCalls(_ pool: RedisConnectionPool?) async throws -> Int {
    guard let pool else { return 0 }
    let info = try await pool.send(RedisCommand("INFO", "commandstats")).string ?? ""
    return info.split(whereSeparator: \.isNewline).reduce(0) { total, line in
        guard line.hasPrefix("cmdstat_"), let range = line.range(of: "calls=") else { return total }
        return total + (Int(line[range.upperBound...].prefix { $0.isNumber }) ?? 0)
    }
}
let callsBefore = try await redisCommandCalls(pool)
let countsBefore = counting?.counts ?? (roundTrips: 0, commands: 0)
let timerLoop = Task { try await orchestrator.run() }
let start = ContinuousClock.now
try await withThrowingTaskGroup(of: Void.self) { group in
    // Start runs from a few concurrent clients.
    let clients = 8
    for client in 0..<clients {
        group.addTask {
            for index in stride(from: client, to: runs, by: clients) {
                _ = try await service.startRun(migrationId: "bench", candidateId: "app-\(index)")
            }
        }
    }
    try await group.waitForAll()
}
await migrator.waitForAllRuns()
let elapsed = ContinuousClock.now - start
timerLoop.cancel()
try await timerLoop.value

let countsAfter = counting?.counts ?? (roundTrips: 0, commands: 0)
let callsDuring = try await redisCommandCalls(pool) - callsBefore - 1
await pool?.shutdown()
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let stepTransitions = runs * stepCount
let delays = migrator.recordedDelays.map { Double($0.components.seconds) * 1e3 + Double($0.components.attoseconds) / 1e15 }.sorted()
func percentile(_ p: Double) -> Double { delays.isEmpty ? 0 : delays[min(delays.count - 1, Int(Double(delays.count) * p))] }
let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
let memory = status.split(separator: "\n").filter { $0.hasPrefix("VmHWM") || $0.hasPrefix("VmRSS") }
    .map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }.joined(separator: ", ")

print("mode=\(mode) runs=\(runs) steps=\(stepCount) elapsed=\(String(format: "%.2f", seconds)) s")
if mode == "waiting" {
    print("runs started and first step dispatched/s: \(String(format: "%.0f", Double(runs) / seconds))")
} else {
    print("step transitions (steps completed)/s: \(String(format: "%.0f", Double(stepTransitions) / seconds))")
}
print("event -> next dispatch ms: p50=\(String(format: "%.3f", percentile(0.5))) p99=\(String(format: "%.3f", percentile(0.99))) max=\(String(format: "%.3f", delays.last ?? 0)) (n=\(delays.count))")
print("memory: \(memory)")
if pool != nil {
    let trips = countsAfter.roundTrips - countsBefore.roundTrips
    print(
        "redis round trips: \(trips), per step transition: \(String(format: "%.2f", Double(trips) / Double(stepTransitions)))"
            + "; commands incl. those run inside scripts (INFO commandstats): \(String(format: "%.2f", Double(callsDuring) / Double(stepTransitions)))")
    print("single-command round trips by name: \(counting!.singleCommands.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
}
