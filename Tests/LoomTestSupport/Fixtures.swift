import Logging
import LoomCore

/// Sample migrations and candidates shaped like the reference migrator's.
public enum Fixtures {
    /// A three-step migration with one required input (`repoName`).
    public static func migration(
        id: String = "app-chart-migration",
        steps: [String] = ["disable-sync-prune", "swap-chart", "review-swap-chart"],
        url: String = "http://app-chart-migrator:3001",
        requiredInputs: [InputDefinition] = [InputDefinition(name: "repoName", label: "Repository")],
        candidates: [Candidate] = []
    ) -> Migration {
        Migration(
            id: id,
            name: "App chart migration",
            description: "Moves apps to the shared chart",
            migratorUrl: url,
            requiredInputs: requiredInputs,
            candidates: candidates,
            steps: steps.map { StepDefinition(name: $0, migratorApp: "app-chart-migrator", type: $0, config: ["env": "dev"]) }
        )
    }

    /// A candidate application.
    public static func candidate(_ id: String = "billing-api", metadata: [String: String] = ["team": "payments"]) -> Candidate {
        Candidate(
            id: id,
            kind: "application",
            metadata: metadata,
            files: [
                FileGroup(
                    name: "dev", repo: "gitops",
                    files: [FileRef(path: "src/\(id)/dev/app.yaml", url: "https://github.com/acme/gitops/blob/main/src/\(id)/dev/app.yaml")]
                )
            ]
        )
    }
}

/// A service, orchestrator, manual clock, fake migrator and fake signer over one store.
public struct LoomHarness: Sendable {
    /// The store (shared by every orchestrator of the harness).
    public let store: any LoomStore
    /// The manual clock.
    public let clock: ManualWallClock
    /// The fake migrator.
    public let migrator: FakeMigratorClient
    /// The fake token signer.
    public let signer: FakeCallbackTokenSigner
    /// The orchestrator.
    public let orchestrator: Orchestrator
    /// The service.
    public let service: Service

    /// Builds the harness; jitter is disabled so back-off times are exact.
    /// - Parameters:
    ///   - store: The store.
    ///   - logger: The orchestrator's logger (tests that check logs pass a capturing one).
    ///   - configure: Changes to the orchestrator configuration.
    public init(
        store: any LoomStore,
        logger: Logger = LoomHarness.quietLogger,
        configure: (inout Orchestrator.Configuration) -> Void = { _ in }
    ) {
        self.store = store
        self.clock = ManualWallClock()
        self.migrator = FakeMigratorClient()
        self.signer = FakeCallbackTokenSigner()
        let configuration = Orchestrator.Configuration.defaults {
            $0.dispatchBackoffJitter = 0
            $0.callbackBaseURL = "https://loom.example"
            configure(&$0)
        }
        self.orchestrator = Orchestrator(
            store: store, migrator: migrator, clock: clock, signer: signer, configuration: configuration,
            logger: logger, random: { 0.5 }
        )
        self.service = Service(orchestrator: orchestrator, logger: Self.quietLogger)
    }

    /// Another orchestrator (a second replica) sharing the store, clock and migrator.
    public func replica() -> Orchestrator {
        Orchestrator(
            store: store, migrator: migrator, clock: clock, signer: signer, configuration: orchestrator.configuration,
            logger: Self.quietLogger, random: { 0.5 }
        )
    }

    /// A logger that discards everything (tests assert on state, not on logs).
    public static let quietLogger = Logger(label: "loom.test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Announces the fixture migration with `candidates` and returns it.
    @discardableResult
    public func announce(_ migration: Migration = Fixtures.migration(), candidates: [Candidate] = [Fixtures.candidate()]) async throws -> Migration {
        var migration = migration
        migration.candidates = candidates
        return try await service.announce(migration)
    }

    /// Lets all work in flight finish.
    public func settle() async {
        await orchestrator.waitUntilIdle()
    }

    /// Advances the clock, runs one timer tick and lets the work finish.
    public func advance(by duration: Duration) async {
        clock.advance(by: duration)
        await orchestrator.tick()
        await orchestrator.waitUntilIdle()
    }

    /// Posts an event for the run's current attempt with the token the last dispatch of that
    /// step carried.
    @discardableResult
    public func event(
        _ runID: String, step: String, candidate: String = "billing-api", success: Bool = true, phase: String = "",
        metadata: [String: String] = [:], failureReason: String = ""
    ) async throws -> Run {
        let token = migrator.dispatches(of: step).last { $0.callbackId == runID }?.callbackToken ?? ""
        return try await service.reportStepEvent(
            runID: runID, credential: .callbackToken(token),
            event: StepEvent(stepName: step, candidateId: candidate, success: success, phase: phase, metadata: metadata, failureReason: failureReason)
        )
    }
}
