import LoomCore

/// The production ``CallbackShimBackend``: converts reference bodies to domain types and calls `LoomCore`'s
/// `Service`, authenticating events according to the shim's auth mode.
///
/// - `token`: the bearer token goes to the service, which verifies it with the callback token signer and checks
///   that it is bound to this run, step, attempt and generation (stale → 409, forged/other run → 401).
/// - `mtls`: the caller's certificate identity must equal the migration's owner (the identity that announced it);
///   the event is then applied as from a trusted caller.
/// - `none`: every event is applied as from a trusted caller (legacy).
///
/// When a peer identity is known, announce records it as the migration's owner (a migration first announced
/// by another identity is refused, 403), and candidate submissions must come from the owner.
public struct ServiceShimBackend: CallbackShimBackend {
    private let service: Service

    /// Creates a backend over `service`.
    public init(service: Service) {
        self.service = service
    }

    /// Announces through `Service.announce`, with the peer identity as owner when known.
    public func announce(_ announcement: ReferenceJSON.MigrationAnnouncement, caller: ShimCaller) async throws -> [ReferenceJSON.RejectedCandidate] {
        try await self.service.announceReporting(announcement.domain, owner: caller.peerIdentity).rejectedCandidates
            .map(ReferenceJSON.RejectedCandidate.init)
    }

    /// Submits through `Service.submitCandidates`; in `mtls` mode only the migration's owner may.
    public func submitCandidates(
        _ candidates: [ReferenceJSON.Candidate], migrationId: String, caller: ShimCaller
    ) async throws -> [ReferenceJSON.RejectedCandidate] {
        if caller.authMode == .mtls {
            try await self.requireOwner(migrationId: migrationId, caller: caller)
        }
        return try await self.service.submitCandidates(migrationId: migrationId, candidates: candidates.map(\.domain)).rejected
            .map(ReferenceJSON.RejectedCandidate.init)
    }

    /// Reports through `Service.reportStepEvent`.
    public func recordEvent(_ event: ReferenceJSON.StepCompletedEvent, callbackId: String, caller: ShimCaller) async throws {
        let credential = try await self.credential(callbackId: callbackId, caller: caller)
        _ = try await self.service.reportStepEvent(runID: callbackId, credential: credential, event: event.domain)
    }

    /// Reports through `Service.reportPullRequestOpened`.
    public func recordPullRequestOpened(_ event: ReferenceJSON.StepCompletedEvent, callbackId: String, caller: ShimCaller) async throws {
        let credential = try await self.credential(callbackId: callbackId, caller: caller)
        _ = try await self.service.reportPullRequestOpened(runID: callbackId, credential: credential, event: event.domain)
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
        guard !migration.owner.isEmpty, migration.owner == identity else {
            throw ShimError.forbidden("\(identity) is not the migrator of this migration")
        }
    }
}
