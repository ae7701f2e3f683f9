import Foundation
import LoomCore

/// A migrator that answers every dispatch at once and reports the step completed from a new
/// task (the callback arrives right after the dispatch reply). Records, per run, when the
/// event was sent, to measure the delay until the next step's dispatch.
final class InstantMigrator: MigratorClient, @unchecked Sendable {
    private let lock = NSLock()
    private var eventSentAt: [String: ContinuousClock.Instant] = [:]
    private var delays: [Duration] = []
    private var completedRuns = 0
    private var finished: CheckedContinuation<Void, Never>?
    private let runs: Int
    private let lastStep: String
    private let answers: Bool
    private var dispatchCount = 0
    var service: Service?

    /// - Parameter answers: `false` acknowledges dispatches but never calls back (runs wait).
    init(runs: Int, lastStep: String, answers: Bool = true) {
        self.runs = runs
        self.lastStep = lastStep
        self.answers = answers
    }

    func dispatchStep(_ request: DispatchStepRequest, baseURL: String, timeout: Duration) async throws {
        let now = ContinuousClock.now
        let first = lock.withLock {
            dispatchCount += 1
            if let sent = eventSentAt[request.callbackId] { delays.append(now - sent) }
            return dispatchCount
        }
        guard answers else {
            if first == runs { runCompleted(count: runs) }
            return
        }
        let service = self.service!
        Task {
            let sent = ContinuousClock.now
            self.lock.withLock { self.eventSentAt[request.callbackId] = sent }
            // With its callback token, as a migrator calls back: the service verifies it.
            _ = try await service.reportStepEvent(
                runID: request.callbackId, credential: .callbackToken(request.callbackToken),
                event: StepEvent(stepName: request.stepName, candidateId: request.candidate.id, success: true)
            )
            if request.stepName == self.lastStep { self.runCompleted() }
        }
    }

    func dryRun(_ request: DryRunRequest, baseURL: String, timeout: Duration) async throws -> DryRunResult {
        DryRunResult(steps: [])
    }

    /// Never asked within a bench run (the step silence is far longer); answers "still working".
    func stepStatus(_ request: StepStatusRequest, baseURL: String, timeout: Duration) async throws -> StepStatusAnswer {
        .working
    }

    private func runCompleted(count: Int = 1) {
        let continuation: CheckedContinuation<Void, Never>? = lock.withLock {
            completedRuns += count
            guard completedRuns == runs, let waiting = finished else { return nil }
            finished = nil
            return waiting
        }
        continuation?.resume()
    }

    /// Returns once every run has completed.
    func waitForAllRuns() async {
        await withCheckedContinuation { continuation in
            let done = lock.withLock {
                if completedRuns == runs { return true }
                finished = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Event-to-next-dispatch delays recorded so far.
    var recordedDelays: [Duration] { lock.withLock { delays } }
}
