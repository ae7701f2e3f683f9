import Foundation
import LoomAPI
import LoomProto
import LoomRPC
import NIOCore
import NIOPosix

/// `FleetBench starve HOST:PORT [candidates=100000] [bursts=3]` — issue #16 item 5 by hand.
///
/// A viewer sends bursts of 40 expensive reads of one large migration at once, pipelined on one
/// connection (ListCandidates with a metadata filter and ListRuns, pages of 1,000, and
/// GetMigration), while runs keep starting and progressing (each start: two transitions and two
/// dispatches) and an operator reads one run with GetRun every 50 ms. The viewer retries a read
/// refused with RESOURCE_EXHAUSTED (the per-caller bound) after 20 ms. Reports, per phase (quiet,
/// during the bursts): the viewer's calls by status, the operator's GetRun latency and failures,
/// and the time from StartRun to the run's second dispatch (the orchestrator's work) with failures.
/// `Tools/bench/fleet/run starve` sets up redis-server and loom-server and counts the server's
/// logged store failures (timer claims among them).
enum Starvation {
    static let burstSize = 40

    /// Outcomes of a set of calls: latencies of the successes, failures by status.
    final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var latencies: [Double] = []
        private var failures: [String: Int] = [:]

        func record(_ start: ContinuousClock.Instant, _ error: (any Error)?) {
            let elapsed = ms(ContinuousClock.now - start)
            lock.withLock {
                if let error {
                    let code = (error as? RPCError).map { "\($0.code)" } ?? "\(error)"
                    failures[code, default: 0] += 1
                } else {
                    latencies.append(elapsed)
                }
            }
        }

        func take() -> String {
            lock.withLock {
                let text = summary(latencies) + (failures.isEmpty ? ", no failures" : ", FAILED \(failures.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " "))")
                latencies = []
                failures = [:]
                return text
            }
        }
    }

    /// When each run started, and how long until its second dispatch.
    final class Progress: @unchecked Sendable {
        private let lock = NSLock()
        private var started: [String: ContinuousClock.Instant] = [:]
        private var delays: [Double] = []
        private var startFailures: [String: Int] = [:]
        private var eventFailures: [String: Int] = [:]

        func didStart(_ callbackId: String, at instant: ContinuousClock.Instant) { lock.withLock { started[callbackId] = instant } }
        func startFailed(_ error: any Error) {
            lock.withLock { startFailures[(error as? RPCError).map { "\($0.code)" } ?? "\(error)", default: 0] += 1 }
        }
        func eventFailed(_ error: any Error) {
            lock.withLock { eventFailures[(error as? RPCError).map { "\($0.code)" } ?? "\(error)", default: 0] += 1 }
        }
        func secondDispatch(_ callbackId: String) {
            let now = ContinuousClock.now
            lock.withLock {
                if let start = started.removeValue(forKey: callbackId) { delays.append(ms(now - start)) }
            }
        }

        func take() -> String {
            lock.withLock {
                var text = "start → 2nd dispatch \(summary(delays))"
                if !startFailures.isEmpty { text += ", StartRun FAILED \(startFailures)" }
                if !eventFailures.isEmpty { text += ", ReportStepEvent FAILED \(eventFailures)" }
                delays = []
                startFailures = [:]
                eventFailures = [:]
                return text
            }
        }
    }

    /// One of the viewer's reads of a large migration: pages of 1,000 that examine thousands of records.
    static func expensiveRead(_ viewer: LoomClient, migrationID: String, index: Int) async throws {
        switch index % 3 {
        case 0:
            _ = try await viewer.listCandidates(
                ListCandidatesRequest(migrationID: migrationID, pageSize: 1000, metadata: ["team": "team-\(index % 50)"]))
        case 1:
            _ = try await viewer.listRuns(ListRunsRequest(migrationID: migrationID, pageSize: 1000))
        default:
            _ = try await viewer.listCandidates(ListCandidatesRequest(migrationID: migrationID, pageSize: 1000, kind: "library"))
        }
    }

    static func run(host: String, port: Int, candidateCount: Int, bursts: Int) async throws {
        func connect() -> LoomClient { LoomClient(host: host, port: port, configuration: .init(transportSecurity: .insecure)) }
        let admin = connect(), reporter = connect(), viewer = connect(), operatorClient = connect()
        let migrationID = "starve-\(Int(Date().timeIntervalSince1970))"
        let progress = Progress()
        let migrator = try await BenchMigrator(group: MultiThreadedEventLoopGroup.singleton) { dispatch in
            if dispatch.stepName == "open-pr" { progress.secondDispatch(dispatch.callbackId) }
            Task {
                let event = StepEvent(
                    stepName: dispatch.stepName, candidateID: dispatch.candidateId, success: true,
                    phase: dispatch.stepName == "open-pr" ? "open" : "")
                do {
                    _ = try await reporter.reportStepEvent(
                        ReportStepEventRequest(runID: dispatch.callbackId, callbackToken: dispatch.callbackToken, event: event))
                } catch {
                    progress.eventFailed(error)
                }
            }
        }
        _ = try await admin.announce(
            AnnounceRequest(
                migration: Migration(
                    id: migrationID, name: "starvation", migratorURL: "http://127.0.0.1:\(migrator.port)",
                    steps: ["prepare", "open-pr", "merge"].map { StepDefinition(name: $0, migratorApp: "bench", type: $0) })))
        for first in stride(from: 0, to: candidateCount, by: 5_000) {
            let candidates = (first..<min(candidateCount, first + 5_000)).map { index in
                Candidate(id: "org-\(index % 100)/repo-\(index)", kind: "service", metadata: ["team": "team-\(index % 50)"])
            }
            _ = try await admin.submitCandidates(SubmitCandidatesRequest(migrationID: migrationID, candidates: candidates))
        }
        // Some history for the run listings and the operator's run.
        for index in 0..<2_000 {
            _ = try await admin.startRun(StartRunRequest(migrationID: migrationID, candidateID: "org-\(index % 100)/repo-\(index)"))
        }
        try await Task.sleep(for: .seconds(2))
        _ = progress.take()
        print("migration \(migrationID): \(candidateCount) candidates, 2000 runs open; runs keep starting at 50/s")

        let stop = Locked(false)
        let next = Locked(2_000)
        // Runs keep starting (50/s) and progressing through the whole measurement.
        let starter = Task {
            while !stop.value {
                let index = next.withLock { value -> Int in
                    value += 1
                    return value - 1
                }
                let id = "org-\(index % 100)/repo-\(index)"
                progress.didStart("\(migrationID)__\(id)", at: .now)
                do {
                    _ = try await admin.startRun(StartRunRequest(migrationID: migrationID, candidateID: id))
                } catch {
                    progress.startFailed(error)
                }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        let operatorReads = Tally()
        let reader = Task {
            while !stop.value {
                let start = ContinuousClock.now
                do {
                    _ = try await operatorClient.getRun(GetRunRequest(migrationID: migrationID, candidateID: "org-1/repo-1"))
                    operatorReads.record(start, nil)
                } catch {
                    operatorReads.record(start, error)
                }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }

        try await Task.sleep(for: .seconds(5))
        print("quiet (5 s):")
        print("  operator GetRun: \(operatorReads.take())")
        print("  runs: \(progress.take())")

        let viewerReads = Tally()
        let refusals = Locked(0)
        let floodStart = ContinuousClock.now
        for burst in 1...bursts {
            let burstStart = ContinuousClock.now
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<burstSize {
                    group.addTask {
                        let start = ContinuousClock.now
                        // A well-behaved client: RESOURCE_EXHAUSTED (over the server's per-caller read
                        // bound) is retried after a pause; the latency counts from the first attempt.
                        while true {
                            do {
                                try await expensiveRead(viewer, migrationID: migrationID, index: index)
                                viewerReads.record(start, nil)
                            } catch let error as RPCError where error.code == .resourceExhausted {
                                refusals.withLock { $0 += 1 }
                                try? await Task.sleep(for: .milliseconds(20))
                                continue
                            } catch {
                                viewerReads.record(start, error)
                            }
                            break
                        }
                    }
                }
            }
            print("burst \(burst): 40 reads done in \(String(format: "%.0f", ms(ContinuousClock.now - burstStart))) ms")
        }
        let floodSeconds = ms(ContinuousClock.now - floodStart) / 1000
        print(String(format: "during %d bursts of 40 viewer reads (%.1f s):", bursts, floodSeconds))
        print("  viewer reads: \(viewerReads.take()); refused with RESOURCE_EXHAUSTED and retried after 20 ms: \(refusals.value)×")
        print("  operator GetRun: \(operatorReads.take())")
        print("  runs: \(progress.take())")

        try await Task.sleep(for: .seconds(3))
        print("after (3 s):")
        print("  operator GetRun: \(operatorReads.take())")
        print("  runs: \(progress.take())")
        stop.withLock { $0 = true }
        await starter.value
        await reader.value
        try await migrator.close()
        for client in [admin, reporter, viewer, operatorClient] { await client.close() }
    }
}

/// A value shared by tasks.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func withLock<T>(_ body: (inout Value) -> T) -> T { lock.withLock { body(&stored) } }
}
