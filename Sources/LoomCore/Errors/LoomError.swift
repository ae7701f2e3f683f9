/// A domain error of Loom: a stable ``Code`` plus a human message safe to show to clients.
///
/// Adapters map errors in exactly one place each (RPC status, HTTP status) by switching on
/// ``code``; anything that is not a `LoomError` is an internal error whose text must not reach
/// clients. The optional ``cause`` is for logs only and is ignored by equality.
///
/// Suggested mapping (RPC / HTTP): `invalidArgument` INVALID_ARGUMENT/400, `notFound`
/// NOT_FOUND/404, `alreadyRunning` ALREADY_EXISTS/409, `alreadyCompleted`,
/// `notRunning`, `stepNotRetryable`, `staleEvent`, `failedPrecondition` FAILED_PRECONDITION/409,
/// `migratorBadResponse` FAILED_PRECONDITION/502, `conflict`
/// ABORTED/409, `unauthenticated` UNAUTHENTICATED/401, `permissionDenied`
/// PERMISSION_DENIED/403, `migratorUnavailable` UNAVAILABLE/502, `migratorTimeout`
/// DEADLINE_EXCEEDED/504, `storeUnavailable`
/// UNAVAILABLE/503, `notReady` UNAVAILABLE/503, `internal` INTERNAL/500.
public struct LoomError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable error code. Extensible: new codes can be added without breaking adapters that
    /// switch with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidArgument = "invalid_argument"
            case notFound = "not_found"
            case alreadyRunning = "already_running"
            case alreadyCompleted = "already_completed"
            case notRunning = "not_running"
            case stepNotRetryable = "step_not_retryable"
            case staleEvent = "stale_event"
            case failedPrecondition = "failed_precondition"
            case conflict
            case unauthenticated
            case permissionDenied = "permission_denied"
            case migratorUnavailable = "migrator_unavailable"
            case migratorTimeout = "migrator_timeout"
            case migratorBadResponse = "migrator_bad_response"
            case storeUnavailable = "store_unavailable"
            case notReady = "not_ready"
            case `internal`
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The stable text form of the code (e.g. `not_found`).
        public var description: String { base.rawValue }

        /// The request is malformed or violates a rule (bad id, missing input, empty steps...).
        public static let invalidArgument = Code(.invalidArgument)
        /// The migration, candidate or run does not exist.
        public static let notFound = Code(.notFound)
        /// A run is already active for the candidate.
        public static let alreadyRunning = Code(.alreadyRunning)
        /// The candidate already completed its migration.
        public static let alreadyCompleted = Code(.alreadyCompleted)
        /// The run is not active (cancel/retry of a finished or absent run).
        public static let notRunning = Code(.notRunning)
        /// A retry named a step that is not the run's current, failed step.
        public static let stepNotRetryable = Code(.stepNotRetryable)
        /// An event is for an old attempt or generation, a finished run, a step that is not
        /// current, or the wrong candidate; it changed nothing.
        public static let staleEvent = Code(.staleEvent)
        /// The stored state does not allow the operation, and retrying unchanged will not help
        /// (a candidate names a step its migration no longer declares; inputs change on a
        /// running candidate...).
        public static let failedPrecondition = Code(.failedPrecondition)
        /// Concurrent writers kept winning; the operation was not applied (safe to retry).
        public static let conflict = Code(.conflict)
        /// A callback token is missing, malformed or has a bad signature.
        public static let unauthenticated = Code(.unauthenticated)
        /// The caller may not act on this resource (e.g. re-announce by another migrator).
        public static let permissionDenied = Code(.permissionDenied)
        /// The migrator could not be reached or answered with an error status.
        public static let migratorUnavailable = Code(.migratorUnavailable)
        /// The migrator did not answer in time.
        public static let migratorTimeout = Code(.migratorTimeout)
        /// The migrator answered, but not with something Loom can use: an undecodable body or a
        /// client-error status (4xx other than 408/429). Retrying unchanged will not help.
        public static let migratorBadResponse = Code(.migratorBadResponse)
        /// The store could not be reached.
        public static let storeUnavailable = Code(.storeUnavailable)
        /// The server cannot serve the call yet (its callback signing key is still being loaded
        /// from the store); nothing changed, and the same call succeeds once it is ready.
        public static let notReady = Code(.notReady)
        /// An unexpected failure; details are in ``LoomError/cause`` and the logs only.
        public static let `internal` = Code(.internal)
    }

    /// The stable code adapters map on.
    public var code: Code
    /// A human message, safe to send to clients (no internal error text).
    public var message: String
    /// The underlying error, for logs only; ignored by equality and hashing.
    public var cause: (any Error & Sendable)?

    /// Creates an error.
    public init(code: Code, message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// Compares code and message (not the cause).
    public static func == (lhs: LoomError, rhs: LoomError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
    }

    /// Hashes code and message (not the cause).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }

    /// An ``Code/invalidArgument`` error.
    public static func invalidArgument(_ message: String) -> LoomError { .init(code: .invalidArgument, message: message) }
    /// A ``Code/notFound`` error.
    public static func notFound(_ message: String) -> LoomError { .init(code: .notFound, message: message) }
    /// A ``Code/staleEvent`` error.
    public static func staleEvent(_ message: String) -> LoomError { .init(code: .staleEvent, message: message) }
    /// A ``Code/conflict`` error.
    public static func conflict(_ message: String) -> LoomError { .init(code: .conflict, message: message) }
    /// A ``Code/internal`` error with a generic message and the cause kept for logs.
    public static func `internal`(_ message: String = "internal error", cause: (any Error & Sendable)? = nil) -> LoomError {
        .init(code: .internal, message: message, cause: cause)
    }

    /// `the callback signing key is not loaded yet …` (not ready): a call that issues or checks
    /// callback tokens or page tokens arrived before the key kept in the store could be read.
    public static let callbackKeyNotLoaded = LoomError(
        code: .notReady,
        message: "the server is starting: its callback signing key is not loaded yet (the store has not answered since start); retry later")

    /// `migration "id" not found`.
    public static func migrationNotFound(_ id: String) -> LoomError {
        .notFound("migration \(Identifier.quoted(id)) not found")
    }

    /// `migration "m" is owned by another identity` (permission denied): a caller that is not
    /// the migration's owner tried to change it. The owner is not named, so a refused caller
    /// learns nothing about who migrates what.
    public static func ownedByAnother(_ id: String) -> LoomError {
        LoomError(code: .permissionDenied, message: "migration \(Identifier.quoted(id)) is owned by another identity")
    }

    /// `candidate "c" not found in migration "m"`.
    public static func candidateNotFound(_ candidateId: String, migrationId: String) -> LoomError {
        .notFound("candidate \(Identifier.quoted(candidateId)) not found in migration \(Identifier.quoted(migrationId))")
    }

    /// `campaign "c" is at its cap` (failed precondition): a write would put one of the campaign's
    /// runs back in flight (a retry) while it already has as many in flight as its cap allows.
    public static func campaignFull(_ id: String) -> LoomError {
        LoomError(
            code: .failedPrecondition,
            message: "campaign \(Identifier.quoted(id)) already has as many runs in flight as its cap allows; retry when one finishes, or raise the cap")
    }

    /// `campaign "c" not found`.
    public static func campaignNotFound(_ id: String) -> LoomError {
        .notFound("campaign \(Identifier.quoted(id)) not found")
    }

    /// `no run found for "m__c"`.
    public static func runNotFound(_ id: RunID) -> LoomError {
        .notFound("no run found for \(Identifier.quoted(id.description))")
    }
}
