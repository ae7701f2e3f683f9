import LoomCore
import LoomMigratorKit

/// The production ``CallbackShimBackend``: converts reference bodies to domain types and calls `LoomCore`'s
/// `Service`.
///
/// Announce and candidate submission are authorized by the ``ShimMigratorAuthorizer`` (the server's
/// policy and ownership rule: a client certificate or a migrator bearer credential; anonymous only in the
/// legacy mode, and never for a migration that has an owner).
///
/// Events are authenticated according to the shim's auth mode:
/// - `token`: the bearer token goes to the service, which verifies it with the callback token signer and checks
///   that it is bound to this run, step, attempt and generation (stale → 409, forged/other run → 401).
/// - `mtls`: the caller's certificate identity must equal the migration's owner (the identity that announced it);
///   the event is then applied as from a trusted caller.
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
        let owner = try await self.authorizer.authorize(caller, .announce, migrationId: announcement.id)
        return try await self.service.announceReporting(announcement.domain, owner: owner).rejectedCandidates
            .map(ReferenceJSON.RejectedCandidate.init)
    }

    /// Submits through `Service.submitCandidates` once the authorizer allows it.
    public func submitCandidates(
        _ candidates: [ReferenceJSON.Candidate], migrationId: String, caller: ShimCaller
    ) async throws -> [ReferenceJSON.RejectedCandidate] {
        _ = try await self.authorizer.authorize(caller, .submitCandidates, migrationId: migrationId)
        return try await self.service.submitCandidates(migrationId: migrationId, candidates: candidates.map(\.domain)).rejected
            .map(ReferenceJSON.RejectedCandidate.init)
    }

    /// Reports through `Service.receiveStepEvent`.
    public func recordEvent(_ event: ReferenceJSON.StepCompletedEvent, callbackId: String, caller: ShimCaller) async throws -> ShimEventOutcome {
        let credential = try await self.credential(callbackId: callbackId, caller: caller)
        let receipt = try await self.service.receiveStepEvent(runID: callbackId, credential: credential, event: event.domain)
        return receipt.alreadyApplied ? .alreadyApplied : .applied
    }

    /// Reports through `Service.receivePullRequestOpened`.
    public func recordPullRequestOpened(
        _ event: ReferenceJSON.StepCompletedEvent, callbackId: String, caller: ShimCaller
    ) async throws -> ShimEventOutcome {
        let credential = try await self.credential(callbackId: callbackId, caller: caller)
        let receipt = try await self.service.receivePullRequestOpened(runID: callbackId, credential: credential, event: event.domain)
        return receipt.alreadyApplied ? .alreadyApplied : .applied
    }

    private func credential(callbackId: String, caller: ShimCaller) async throws -> EventCredential {
        switch caller.authMode {
        case .token:
            guard let token = caller.bearerToken else { return .missingToken }
            return .callbackToken(token)
        case .mtls:
            let runID = try RunID(parsing: callbackId)
            try await self.requireOwner(migrationId: runID.migrationId, caller: caller)
            return .trustedCaller
        case .none:
            return .trustedCaller
        }
    }

    private func requireOwner(migrationId: String, caller: ShimCaller) async throws {
        guard let identity = caller.peerIdentity else { throw ShimError.unauthorized("client certificate required") }
        let migration = try await self.service.migrationDefinition(id: migrationId)
        guard !migration.owner.isEmpty, migration.owner == identity.value else {
            throw ShimError.forbidden("\(identity.value) is not the migrator of this migration")
        }
    }
}
