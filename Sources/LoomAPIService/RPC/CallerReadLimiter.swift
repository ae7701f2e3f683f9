import LoomRPC
import LoomTLS
import Metrics
import Synchronization

/// Bounds the expensive reads each caller has in flight at once.
///
/// Listings and migration reads of a large migration cost Redis and the server real work: one
/// caller pipelining 40 of them once starved everyone else (issue #16). Each caller identity —
/// its certificate identity; every caller without one shares a single allowance — may have at
/// most ``maxConcurrentReads`` of them in flight. One more is refused at once with
/// RESOURCE_EXHAUSTED, naming the limit: nothing queues, so a flood costs the server nothing
/// but the refusal, and a client retries (with back-off) when one of its reads has finished.
/// Refusals are counted in `loom_rpc_reads_refused_total`.
///
/// The expensive reads are ListMigrations, GetMigration, ListCandidates, ListRuns,
/// GetRunHistory and RecountMigration. GetRun is one key read and is not bounded; the watch
/// streams are bounded per connection (`--max-calls-per-connection`).
public final class CallerReadLimiter: Sendable {
    /// The default bound per caller (`--max-reads-per-caller`).
    public static let defaultLimit = 4

    /// Expensive reads one caller may have in flight.
    public let maxConcurrentReads: Int
    private let inFlight: Mutex<[String: Int]>
    private let refused = Counter(label: "loom.rpc.reads.refused.total")

    /// Creates a limiter allowing `maxConcurrentReads` (at least 1) reads per caller.
    public init(maxConcurrentReads: Int = CallerReadLimiter.defaultLimit) {
        self.maxConcurrentReads = max(1, maxConcurrentReads)
        self.inFlight = Mutex([:])
    }

    /// Runs `body` as one of the expensive reads of `identity` (`nil`: a caller without a
    /// certificate).
    /// - Throws: ``RPCError`` RESOURCE_EXHAUSTED, without running `body`, when the caller already
    ///   has ``maxConcurrentReads`` reads in flight; else whatever `body` throws.
    public func read<T>(by identity: PeerIdentity?, method: String, _ body: () async throws -> T) async throws -> T {
        let key = identity.map { "\($0.source.rawValue):\($0.value)" } ?? ""
        let admitted = inFlight.withLock { counts -> Bool in
            let current = counts[key, default: 0]
            guard current < maxConcurrentReads else { return false }
            counts[key] = current + 1
            return true
        }
        guard admitted else {
            refused.increment()
            let who = identity.map { "caller \($0.value)" } ?? "callers without a client certificate"
            throw RPCError(
                code: .resourceExhausted,
                message:
                    "\(method) refused: \(who) already has \(maxConcurrentReads) listing or migration reads in flight "
                    + "(--max-reads-per-caller \(maxConcurrentReads)); retry when one has finished")
        }
        defer {
            inFlight.withLock { counts in
                let remaining = counts[key, default: 1] - 1
                counts[key] = remaining > 0 ? remaining : nil
            }
        }
        return try await body()
    }

    /// The reads `identity` has in flight now.
    public func readsInFlight(by identity: PeerIdentity?) -> Int {
        let key = identity.map { "\($0.source.rawValue):\($0.value)" } ?? ""
        return inFlight.withLock { $0[key, default: 0] }
    }
}
