import LoomCore
import LoomMigratorKit
import LoomTLS

/// Who is calling the shim, as far as the transport can tell.
public struct ShimCaller: Sendable, Hashable {
    /// The bearer token from `Authorization`, if any: the callback token on event routes, a
    /// migrator credential on announce and candidate submission.
    public var bearerToken: String?
    /// The verified TLS client certificate identity (URI SAN, else DNS SAN, else CN), if any.
    public var peerIdentity: PeerIdentity?
    /// The authentication mode the shim runs in.
    public var authMode: CallbackShimConfiguration.CallbackAuthMode

    /// Creates a caller description.
    public init(bearerToken: String?, peerIdentity: PeerIdentity?, authMode: CallbackShimConfiguration.CallbackAuthMode) {
        self.bearerToken = bearerToken
        self.peerIdentity = peerIdentity
        self.authMode = authMode
    }
}

/// A migrator's request to change a migration over the shim, as ``ShimMigratorAuthorizer`` sees it.
public enum ShimMigratorOperation: String, Sendable, Hashable, CaseIterable {
    /// `POST /registry/announce`: the policy method `Announce`.
    case announce = "Announce"
    /// `POST /migrations/{id}/candidates`: the policy method `SubmitCandidates`.
    case submitCandidates = "SubmitCandidates"
}

/// What ``ShimMigratorAuthorizer`` grants a caller: whom it acts as, and which migrations it may change.
public struct ShimMigratorGrant: Sendable, Hashable {
    /// The identity the caller acts as (recorded as the owner of a migration it announces
    /// first), or `nil` for an anonymous caller the server accepts.
    public var identity: String?
    /// The migrations it may submit candidates to, enforced by the service (a migration outside
    /// it is refused with a permission-denied `LoomError`, 403).
    public var scope: CallerScope

    /// Creates a grant.
    public init(identity: String?, scope: CallerScope) {
        self.identity = identity
        self.scope = scope
    }
}

/// Decides who may announce migrations and submit candidates over the shim, as whom, and on
/// which migrations (the scope the service then enforces).
///
/// The server's implementation applies the same identities, policy and scopes as its RPC face
/// (a client certificate, or a bearer credential declared in the policy file); an anonymous
/// caller is accepted only in an explicit legacy mode, and never changes a migration that has an
/// owner.
public protocol ShimMigratorAuthorizer: Sendable {
    /// Authorizes `operation` on migration `migrationId` for `caller`.
    /// - Returns: The identity the caller acts as and the scope of the migrations it may change.
    /// - Throws: ``ShimError/unauthorized(_:)`` (401) without acceptable credentials,
    ///   ``ShimError/forbidden(_:)`` (403) when the identity may not call the operation.
    func authorize(_ caller: ShimCaller, _ operation: ShimMigratorOperation, migrationId: String) async throws -> ShimMigratorGrant
}

/// What the backend did with a step event it accepted.
public enum ShimEventOutcome: Sendable, Hashable {
    /// The event was applied: `202 {"status":"event raised"}`.
    case applied
    /// An exact repeat of an event applied earlier; nothing changed: `200 {"status":"already applied"}`.
    case alreadyApplied
}

/// The use cases the shim's routes invoke, in reference-JSON terms.
///
/// The production implementation adapts `LoomCore`'s `Service` (converting bodies to domain types and checking
/// callback tokens with the token signer); tests may supply their own. Errors thrown here are turned into HTTP
/// responses by ``HTTPErrorMapping`` — the one place that maps errors to status codes.
public protocol CallbackShimBackend: Sendable {
    /// Registers or updates a migration (`POST /registry/announce`).
    /// - Returns: The announced candidates that were refused (the others were stored).
    func announce(_ announcement: ReferenceJSON.MigrationAnnouncement, caller: ShimCaller) async throws -> [ReferenceJSON.RejectedCandidate]

    /// Merges discovered candidates into a migration (`POST /migrations/{id}/candidates`).
    /// - Returns: The candidates that were refused (the others were stored).
    func submitCandidates(
        _ candidates: [ReferenceJSON.Candidate], migrationId: String, caller: ShimCaller
    ) async throws -> [ReferenceJSON.RejectedCandidate]

    /// Applies a step event to the run `callbackId` (`POST /event/{id}` and `/event/{id}/pr-opened`).
    ///
    /// In `mtls` mode the shim guarantees that `caller.peerIdentity` is present; in
    /// ``CallbackShimConfiguration/CallbackAuthMode/token`` mode `caller.bearerToken` may be absent, and the backend
    /// refuses (and records) such an event. The backend verifies that the credentials are the right ones.
    /// - Returns: Whether the event was applied now or repeats one applied earlier.
    func recordEvent(_ event: ReferenceJSON.StepCompletedEvent, callbackId: String, caller: ShimCaller) async throws -> ShimEventOutcome

    /// Applies a `pr-opened` notification (`POST /event/{id}/pr-opened`): an event whose phase is `open`.
    func recordPullRequestOpened(
        _ event: ReferenceJSON.StepCompletedEvent, callbackId: String, caller: ShimCaller
    ) async throws -> ShimEventOutcome
}

extension CallbackShimBackend {
    /// Records the event with `phase` forced to `open` (the reference's recommended alias).
    public func recordPullRequestOpened(
        _ event: ReferenceJSON.StepCompletedEvent, callbackId: String, caller: ShimCaller
    ) async throws -> ShimEventOutcome {
        var event = event
        event.phase = "open"
        return try await self.recordEvent(event, callbackId: callbackId, caller: caller)
    }
}
