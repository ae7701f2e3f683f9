/// What a migrator implements; ``MigratorServer`` serves it to Loom.
///
/// Loom calls three endpoints (docs/writing-a-migrator.md):
/// - `POST /dispatch-step` → ``dispatch(_:)``, once per idempotency key (the server answers re-sends itself);
/// - `POST /dry-run` → ``dryRun(_:)``;
/// - `POST /step-status` → ``stepStatus(_:)``, optional: the default answers 404, and Loom then lists a step
///   whose callback it never got as *stalled* instead of asking again.
public protocol Migrator: Sendable {
    /// Starts the work of one dispatched step and returns at once (the server answers Loom 202 right after).
    ///
    /// Report progress and the outcome to Loom afterwards, with the dispatch's callback token (see
    /// ``LoomConnection/report(_:for:)``). A step that cannot be done is reported as failed, not refused.
    func dispatch(_ request: ReferenceJSON.DispatchStepRequest) async

    /// What a run of `request.candidate` would change, step by step; must change nothing.
    /// - Throws: Any error: the server answers 500 with its description, and Loom reports the dry run failed.
    func dryRun(_ request: ReferenceJSON.DryRunRequest) async throws -> ReferenceJSON.DryRunResult

    /// Where a dispatched step stands, when Loom has not heard of it for a while.
    func stepStatus(_ request: ReferenceJSON.StepStatusRequest) async -> StepStatusAnswer
}

extension Migrator {
    /// No status endpoint: answers ``StepStatusAnswer/notServed`` (404), so Loom marks a silent step stalled.
    public func stepStatus(_ request: ReferenceJSON.StepStatusRequest) async -> StepStatusAnswer {
        .notServed
    }
}

/// A migrator's answer to `POST /step-status`.
public enum StepStatusAnswer: Sendable, Hashable {
    /// 200 with the step's latest event, exactly the body of its callback: Loom applies it.
    case reported(ReferenceJSON.StepCompletedEvent)
    /// 202: still working; Loom asks again after another silence.
    case working
    /// 404: this idempotency key is unknown here (forgotten in a restart); Loom marks the step stalled.
    case unknown
    /// 404: this migrator does not serve step status; Loom marks the step stalled.
    case notServed
}

/// The dispatches a migrator has accepted, by idempotency key, with the latest event reported for each.
///
/// ``MigratorServer`` consults it to start each key's work once; ``LoomConnection`` records every event it
/// reports, so ``status(ofKey:)`` answers `POST /step-status` for a migrator that has nothing better. It is
/// in memory and bounded: the oldest keys are forgotten first (a re-sent dispatch arrives within minutes).
public actor DispatchLedger {
    /// How many keys are remembered by default.
    public static let defaultCapacity = 10_000

    private let capacity: Int
    private var statuses: [String: StepStatusAnswer] = [:]
    private var order: [String] = []
    private var oldest = 0

    /// Creates an empty ledger remembering at most `capacity` keys.
    public init(capacity: Int = DispatchLedger.defaultCapacity) {
        self.capacity = max(capacity, 1)
    }

    /// The key a dispatch is remembered by: its idempotency key (Loom always sends one), else one derived
    /// from its run, step and attempt.
    public static func key(of request: ReferenceJSON.DispatchStepRequest) -> String {
        if let key = request.idempotencyKey, !key.isEmpty { return key }
        return "\(request.callbackId)/\(request.stepName)/\(request.attempt ?? 1)"
    }

    /// Remembers `key` as working: `true` when it is new, `false` for a key already known (a re-send).
    public func register(_ key: String) -> Bool {
        guard statuses[key] == nil else { return false }
        statuses[key] = .working
        order.append(key)
        if order.count - oldest > capacity {
            statuses[order[oldest]] = nil
            oldest += 1
            if oldest > capacity {  // compact now and then, keeping the append amortised O(1)
                order.removeFirst(oldest)
                oldest = 0
            }
        }
        return true
    }

    /// Records `event` as the latest of `key`, if the key is remembered.
    public func record(_ event: ReferenceJSON.StepCompletedEvent, forKey key: String) {
        guard statuses[key] != nil else { return }
        statuses[key] = .reported(event)
    }

    /// Where `key` stands: its latest event, ``StepStatusAnswer/working``, or ``StepStatusAnswer/unknown``.
    public func status(ofKey key: String) -> StepStatusAnswer {
        statuses[key] ?? .unknown
    }
}
