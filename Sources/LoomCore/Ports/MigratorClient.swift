/// The body Loom POSTs to `{migratorUrl}/dispatch-step` (the reference's
/// `DispatchStepRequest` plus Loom's idempotency and callback fields).
public struct DispatchStepRequest: Hashable, Sendable, Codable {
    /// The migration.
    public var migrationId: String
    /// The step to execute.
    public var stepName: String
    /// The run's candidate snapshot (inputs merged into metadata).
    public var candidate: Candidate
    /// The step's config, verbatim.
    public var config: [String: String]
    /// The run id; migrators call back to `/event/{callbackId}`.
    public var callbackId: String
    /// `step-completed:{stepName}:{candidateId}` (reference compatibility).
    public var eventName: String
    /// The step's migrator app.
    public var migratorApp: String
    /// The migrator base URL (the run's snapshot).
    public var migratorUrl: String
    /// The step's type.
    public var type: String
    /// The step attempt (1 + number of retries).
    public var attempt: UInt32
    /// The run generation.
    public var generation: UInt32
    /// Stable across re-sends of the same attempt: `{runId}/{generation}/{stepName}/{attempt}`.
    public var idempotencyKey: String
    /// Token the migrator must present with its events for this attempt (empty when callback
    /// auth is disabled).
    public var callbackToken: String
    /// Absolute URL the migrator should POST its events to, or empty when not configured.
    public var callbackUrl: String

    /// Creates a dispatch request.
    public init(
        migrationId: String, stepName: String, candidate: Candidate, config: [String: String],
        callbackId: String, eventName: String, migratorApp: String, migratorUrl: String, type: String,
        attempt: UInt32, generation: UInt32, idempotencyKey: String, callbackToken: String, callbackUrl: String
    ) {
        self.migrationId = migrationId
        self.stepName = stepName
        self.candidate = candidate
        self.config = config
        self.callbackId = callbackId
        self.eventName = eventName
        self.migratorApp = migratorApp
        self.migratorUrl = migratorUrl
        self.type = type
        self.attempt = attempt
        self.generation = generation
        self.idempotencyKey = idempotencyKey
        self.callbackToken = callbackToken
        self.callbackUrl = callbackUrl
    }
}

/// The body Loom POSTs to `{migratorUrl}/step-status` about a step the migrator acknowledged and
/// then left silent: which attempt Loom asks about.
public struct StepStatusRequest: Hashable, Sendable, Codable {
    /// The migration.
    public var migrationId: String
    /// The candidate.
    public var candidateId: String
    /// The run id, as in the dispatch.
    public var callbackId: String
    /// The step asked about.
    public var stepName: String
    /// The step attempt asked about.
    public var attempt: UInt32
    /// The dispatch's idempotency key (also sent as the `Idempotency-Key` header).
    public var idempotencyKey: String

    /// Creates a status request.
    public init(migrationId: String, candidateId: String, callbackId: String, stepName: String, attempt: UInt32, idempotencyKey: String) {
        self.migrationId = migrationId
        self.candidateId = candidateId
        self.callbackId = callbackId
        self.stepName = stepName
        self.attempt = attempt
        self.idempotencyKey = idempotencyKey
    }
}

/// What a migrator answered to `POST /step-status` (other answers are ``MigratorCallError``s).
public enum StepStatusAnswer: Hashable, Sendable {
    /// 200: the step's outcome, the event the migrator would POST to `/event/{callbackId}`.
    case outcome(StepEvent)
    /// 202: still working.
    case working
    /// 404, 405 or 501: the migrator has no such endpoint.
    case unsupported(httpStatus: Int)
}

/// Why a call to a migrator failed.
public struct MigratorCallError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: Hashable, Sendable {
        /// Connection refused, DNS failure, TLS failure, connection reset...
        case unreachable
        /// The migrator answered with a status Loom does not accept (≥ 300 for dispatch,
        /// anything but 200 for dry run).
        case httpStatus(Int)
        /// No complete answer within the timeout.
        case timeout
        /// The answer could not be decoded.
        case badResponse
    }

    /// The kind of failure.
    public var kind: Kind
    /// Detail for logs and step failure reasons (no secrets).
    public var detail: String

    /// Creates a migrator call error.
    public init(_ kind: Kind, detail: String = "") {
        self.kind = kind
        self.detail = detail
    }

    /// A one-line description, e.g. `migrator answered HTTP 503`.
    public var description: String {
        let head: String
        switch kind {
        case .unreachable: head = "migrator unreachable"
        case .httpStatus(let status): head = "migrator answered HTTP \(status)"
        case .timeout: head = "migrator timed out"
        case .badResponse: head = "migrator sent an undecodable response"
        }
        return detail.isEmpty ? head : "\(head): \(detail)"
    }

    /// The domain error a synchronous caller (dry run) reports for this failure: unreachable,
    /// 5xx, 408 and 429 are transient (`migratorUnavailable`); another status or an
    /// undecodable answer is the migrator's answer (`migratorBadResponse`).
    public var loomError: LoomError {
        switch kind {
        case .unreachable: LoomError(code: .migratorUnavailable, message: description, cause: self)
        case .httpStatus(let status) where status >= 500 || status == 408 || status == 429:
            LoomError(code: .migratorUnavailable, message: description, cause: self)
        case .httpStatus: LoomError(code: .migratorBadResponse, message: description, cause: self)
        case .timeout: LoomError(code: .migratorTimeout, message: description, cause: self)
        case .badResponse: LoomError(code: .migratorBadResponse, message: description, cause: self)
        }
    }
}

/// Outbound calls to migrators.
///
/// Implementations throw ``MigratorCallError`` for every failure; any other error is treated
/// as ``MigratorCallError/Kind/unreachable``. They must honour `timeout` and must not retry
/// (the orchestrator owns retries and back-off).
public protocol MigratorClient: Sendable {
    /// POSTs `request` to `{baseURL}/dispatch-step`; succeeds on any 2xx answer.
    /// - Parameters:
    ///   - request: The dispatch body; send `idempotencyKey` also as an `Idempotency-Key` header.
    ///   - baseURL: The run's migrator URL snapshot.
    ///   - timeout: Bound for the whole call.
    func dispatchStep(_ request: DispatchStepRequest, baseURL: String, timeout: Duration) async throws

    /// POSTs `request` to `{baseURL}/dry-run`; succeeds only on 200 with a decodable body.
    func dryRun(_ request: DryRunRequest, baseURL: String, timeout: Duration) async throws -> DryRunResult

    /// POSTs `request` to `{baseURL}/step-status`, with its idempotency key also as an
    /// `Idempotency-Key` header: 200 with a step event body, 202, or 404, 405 or 501 are answers;
    /// any other status, an undecodable 200 body, a timeout or a connection failure throws.
    func stepStatus(_ request: StepStatusRequest, baseURL: String, timeout: Duration) async throws -> StepStatusAnswer
}
