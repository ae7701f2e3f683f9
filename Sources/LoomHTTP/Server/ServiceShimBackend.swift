import LoomCore
import LoomMigratorKit

/// The production ``CallbackShimBackend``: converts reference bodies to domain types and calls `LoomCore`'s
/// `Service`.
///
/// Announce and candidate submission are authorized by the ``ShimMigratorAuthorizer`` (the server's
/// policy: a client certificate or a migrator bearer credential; anonymous only in the legacy mode); the
/// scope it grants goes to the service, which enforces the ownership rule (never a migration that has
/// another owner, or for an anonymous caller any owner).
///
/// Events are authenticated according to the shim's auth mode:
/// - `token`: the bearer token goes to the service, which verifies it with the callback token signer and checks
///   that it is bound to this run, step, attempt and generation (stale → 409, forged/other run → 401).
/// - `mtls`: the caller's certificate identity must equal the migration's owner (the identity that announced it):
///   the event goes to the service scoped to that identity's migrations (another's → 403), and is then applied as
///   from a trusted caller.
/// - `none`: every event is applied as from a trusted caller (legacy).
public struct ServiceShimBackend: CallbackShimBackend {
    private let service: Service
    private let authorizer: any ShimMigratorAuthorizer

    /// Creates a backend over `service`, authorizing announce and submission with `authorizer`.
    public init(service: Service, authorizer: any ShimMigratorAuthorizer) {
        self.service = service
        self.authorizer = authorizer
    }

    /// Announces through `Service.announce`, as the identity the authorizer names (its owner when new).
    public func announce(_ announcement: ReferenceJSON.MigrationAnnouncement, caller: ShimCaller) async throws -> [ReferenceJSON.RejectedCandidate] {
        let grant = try await self.authorizer.authorize(caller, .announce, migrationId: announcement.id)
        return try await self.service.announceReporting(announcement.domain, owner: grant.identity).rejectedCandidates
            .map(ReferenceJSON.RejectedCandidate.init)
    }

    /// Submits through `Service.submitCandidates` once the authorizer allows it, in the scope it grants.
    public func submitCandidates(
        _ candidates: [ReferenceJSON.Candidate], migrationId: String, caller: ShimCaller
    ) async throws -> [ReferenceJSON.RejectedCandidate] {
        let grant = try await self.authorizer.authorize(caller, .submitCandidates, migrationId: migrationId)
        return try await self.service.submitCandidates(
            migrationId: migrationId, candidates: candidates.map(\.domain), scope: grant.scope
        ).rejected.map(ReferenceJSON.RejectedCandidate.init)
    }

    /// Reports through `Service.receiveStepEvent`.
    public func recordEvent(_ event: ReferenceJSON.StepCompletedEvent, callbackId: String, caller: ShimCaller) async throws -> ShimEventOutcome {
        let (credential, scope) = try self.credential(caller: caller)
        let receipt = try await self.service.receiveStepEvent(runID: callbackId, credential: credential, event: event.domain, scope: scope)
        return receipt.alreadyApplied ? .alreadyApplied : .applied
    }

    /// Reports through `Service.receivePullRequestOpened`.
    public func recordPullRequestOpened(
        _ event: ReferenceJSON.StepCompletedEvent, callbackId: String, caller: ShimCaller
    ) async throws -> ShimEventOutcome {
        let (credential, scope) = try self.credential(caller: caller)
        let receipt = try await self.service.receivePullRequestOpened(
            runID: callbackId, credential: credential, event: event.domain, scope: scope)
        return receipt.alreadyApplied ? .alreadyApplied : .applied
    }

    /// How an event proves its right in the shim's auth mode, and the migrations it may concern: in `mtls`
    /// mode only those the certificate's identity owns (the service refuses others, and unowned ones).
    private func credential(caller: ShimCaller) throws(ShimError) -> (EventCredential, CallerScope) {
        switch caller.authMode {
        case .token:
            guard let token = caller.bearerToken else { return (.missingToken, .unrestricted) }
            return (.callbackToken(token), .unrestricted)
        case .mtls:
            guard let identity = caller.peerIdentity else { throw .unauthorized("client certificate required") }
            return (.trustedCaller, .migrator(identity: identity.value))
        case .none:
            return (.trustedCaller, .unrestricted)
        }
    }
}
