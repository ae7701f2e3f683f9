import Metrics

extension Orchestrator {
    /// Tunables of the orchestrator. Start from ``defaults`` and change what you need.
    public struct Configuration: Sendable {
        /// Bound for one `/dispatch-step` POST (the reference uses 30 s).
        public var dispatchTimeout: Duration
        /// Extra time, beyond ``dispatchTimeout``, before a dispatch recorded as in flight is
        /// presumed lost (the replica died mid-POST) and re-sent.
        public var dispatchLeaseMargin: Duration
        /// How many POSTs one step attempt may make before the step fails (≥ 1).
        public var maxDispatchAttempts: UInt32
        /// Back-off before the second POST; doubled for each further one.
        public var dispatchBackoffBase: Duration
        /// Upper bound of the back-off.
        public var dispatchBackoffMax: Duration
        /// Random spread of each back-off, as a fraction (0.2 = ±20 %); 0 disables jitter.
        public var dispatchBackoffJitter: Double
        /// Step timeout when the step's config has no `loom.timeout_seconds`; `nil` = none.
        /// Counted from the migrator's acknowledgement (or first event) of the attempt.
        public var defaultStepTimeout: Duration?
        /// How long a claimed timer stays hidden from other replicas while this one works on it.
        public var timerLease: Duration
        /// Pause between timer-loop ticks when nothing was due.
        public var tickInterval: Duration
        /// Maximum timers claimed per partition per tick.
        public var claimBatchSize: Int
        /// Maximum runs this replica works on at once (fast path and timers together).
        public var maxInFlightRuns: Int
        /// How many times a transition is re-decided after version conflicts before giving up
        /// with ``LoomError/Code/conflict``.
        public var maxConflictRetries: Int
        /// Base URL the callback URL is built from (`{base}/event/{runId}`); empty = none sent.
        public var callbackBaseURL: String
        /// How many recently written runs this replica keeps as hints that save a store read
        /// (every write stays version-checked; a stale hint costs one conflict). 0 disables.
        public var recentRunsCapacity: Int = 4096
        /// This replica's stable id (the same across restarts; see ``LeaseHolder``), recorded
        /// with its timer leases so that a restart takes them back at once. `nil`: an id of its
        /// own per orchestrator, whose leases are only ever taken over when they expire.
        public var replicaID: String? = nil
        /// How often the replica renews its registration (``ReplicaRegistry``).
        public var replicaHeartbeat: Duration = .milliseconds(250)
        /// How long a step the migrator acknowledged may stay silent (no event since) before Loom
        /// asks the migrator where it stands (`POST /step-status`), and again after each "still
        /// working" or failed ask; `nil` never asks. Driven by the run's timer, like deadlines.
        public var stepSilence: Duration? = .seconds(900)
        /// Where the orchestrator's metrics go; `nil` uses the process-wide `MetricsSystem`.
        public var metricsFactory: (any MetricsFactory)? = nil
        /// How long a registration must go without a beat before a new incarnation of the replica
        /// replaces it (the previous incarnation is then presumed dead). Longer than
        /// ``replicaHeartbeat``; a restart after a crash waits this long before taking back the
        /// earlier incarnation's leases (after a graceful stop, not at all).
        public var replicaSilence: Duration = .seconds(1)

        /// Production defaults: 30 s dispatch timeout, 8 POSTs with back-off 1 s ×2 up to
        /// 60 s ±20 %, no default step timeout, 30 s timer lease, 250 ms ticks, 4,096 run hints,
        /// an anonymous replica id, heartbeats every 250 ms, 1 s of silence before a takeover,
        /// status checks after 15 minutes of step silence.
        public static var defaults: Configuration {
            Configuration(
                dispatchTimeout: .seconds(30),
                dispatchLeaseMargin: .seconds(5),
                maxDispatchAttempts: 8,
                dispatchBackoffBase: .seconds(1),
                dispatchBackoffMax: .seconds(60),
                dispatchBackoffJitter: 0.2,
                defaultStepTimeout: nil,
                timerLease: .seconds(30),
                tickInterval: .milliseconds(250),
                claimBatchSize: 256,
                maxInFlightRuns: 1024,
                maxConflictRetries: 16,
                callbackBaseURL: ""
            )
        }

        /// ``defaults`` changed by `configure`.
        public static func defaults(configure: (inout Configuration) -> Void) -> Configuration {
            var configuration = defaults
            configure(&configuration)
            return configuration
        }

        /// The back-off before POST number `count + 1`, given `count` failed POSTs (≥ 1).
        func backoff(afterFailures count: UInt32, random: Double) -> Duration {
            let exponent = min(Int(count) - 1, 30)
            let baseMs = Double(dispatchBackoffBase.wholeMilliseconds) * Double(1 << max(exponent, 0))
            let capped = min(baseMs, Double(dispatchBackoffMax.wholeMilliseconds))
            let spread = capped * dispatchBackoffJitter * (random * 2 - 1)
            return .milliseconds(Int64(max(0, capped + spread)))
        }

        /// The timeout of `step`: its config value, else ``defaultStepTimeout``.
        func timeout(of step: StepDefinition) -> Duration? {
            step.configuredTimeout ?? defaultStepTimeout
        }
    }
}
