import Foundation
import Logging
import LoomCore
import LoomStores

// Usage: OrchestratorBench [runs=10000] [steps=5]
let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let runs = arguments.first ?? 10_000
let stepCount = arguments.dropFirst().first ?? 5
let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

let stepNames = (1...stepCount).map { "step-\($0)" }
let store = InMemoryStore()
let migrator = InstantMigrator(runs: runs, lastStep: stepNames.last!)
let orchestrator = Orchestrator(
    store: store, migrator: migrator, clock: SystemWallClock(), signer: nil,
    configuration: .defaults { $0.maxInFlightRuns = 4096 }, logger: quiet
)
let service = Service(orchestrator: orchestrator, logger: quiet)
migrator.service = service

let candidates = (0..<runs).map { Candidate(id: "app-\($0)", kind: "application") }
_ = try await service.announce(
    Migration(
        id: "bench", migratorUrl: "http://migrator.invalid",
        candidates: candidates, steps: stepNames.map { StepDefinition(name: $0, type: "noop") }
    )
)

let timerLoop = Task { await orchestrator.run() }
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
await timerLoop.value

let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let stepTransitions = runs * stepCount
let delays = migrator.recordedDelays.map { Double($0.components.seconds) * 1e3 + Double($0.components.attoseconds) / 1e15 }.sorted()
func percentile(_ p: Double) -> Double { delays.isEmpty ? 0 : delays[min(delays.count - 1, Int(Double(delays.count) * p))] }
let rss = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8))?
    .split(separator: "\n").first { $0.hasPrefix("VmHWM") }.map(String.init) ?? "VmHWM: n/a"

print("runs=\(runs) steps=\(stepCount) elapsed=\(String(format: "%.2f", seconds)) s")
print("step transitions (steps completed)/s: \(String(format: "%.0f", Double(stepTransitions) / seconds))")
print("event -> next dispatch ms: p50=\(String(format: "%.3f", percentile(0.5))) p99=\(String(format: "%.3f", percentile(0.99))) max=\(String(format: "%.3f", delays.last ?? 0)) (n=\(delays.count))")
print("peak \(rss)")
