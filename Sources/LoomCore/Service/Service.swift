import Logging
import Metrics

/// One page of ``Service/listMigrations(pageSize:pageToken:)``.
public struct MigrationPage: Hashable, Sendable {
    /// Migrations ordered by id, without candidates.
    public var migrations: [Migration]
    /// Token for the next page; empty when there are no more.
    public var nextPageToken: String

    /// Creates a page.
    public init(migrations: [Migration], nextPageToken: String) {
        self.migrations = migrations
        self.nextPageToken = nextPageToken
    }
}

/// Loom's use cases: what the RPC server and the REST shim call.
///
/// Every method validates its input first (bad input throws ``LoomError`` `invalidArgument`
/// and changes nothing) and reports failures as ``LoomError``; adapters map codes to wire
/// statuses in one place. Run-changing use cases go through the ``Orchestrator``.
public final class Service: Sendable {
    /// The orchestrator that owns run transitions.
    public let orchestrator: Orchestrator
    let configuration: Configuration
    let logger: Logger
    let pageTokenKeys: PageTokenKeys
    let rejectionLimiter = RejectionLimiter()
    let candidatesSubmitted = Counter(label: "loom.candidates.submitted.total")
    let dryRunsOK = Counter(label: "loom.dry_runs.total", dimensions: [("status", "ok")])
    let dryRunsFailed = Counter(label: "loom.dry_runs.total", dimensions: [("status", "error")])

    /// The orchestrator's store: writes, and reads on the way to a transition.
    var store: any LoomStore { orchestrator.store }
    /// The store the expensive client reads go through: listings, migration reads with counts,
    /// recounts, histories, watches. The server gives it connections of its own, so that slow
    /// reads never queue ahead of the orchestrator's transitions and timer claims. (Point reads
    /// — one run, one definition, one candidate — stay on ``store``: they cost a key lookup and
    /// are answered even while slow reads fill the read connections.)
    let reads: any LoomStore
    var clock: any WallClock { orchestrator.clock }

    /// Tunables of the service.
    public struct Configuration: Sendable {
        /// Page size when a request asks for 0.
        public var defaultPageSize: Int
        /// Largest page size served.
        public var maxPageSize: Int
        /// Bound for one dry-run call to a migrator.
        public var dryRunTimeout: Duration
        /// The key that signs page tokens (at least 32 bytes). Replicas that share a store
        /// must share it, or a page token works only on the replica that issued it; `nil`
        /// draws a random key at start.
        public var pageTokenKey: [UInt8]?
        /// Where the page-token key comes from when it is only known after start (derived from
        /// a callback key kept in the store, read once the store answers): asked on each
        /// listing until it returns a key (at least 32 bytes), which is then kept; while it
        /// returns `nil`, listings that issue or open a page token fail with
        /// ``LoomError/Code/notReady``. Overrides ``pageTokenKey``.
        public var pageTokenKeySource: (@Sendable () -> [UInt8]?)?

        /// Creates a configuration.
        public init(defaultPageSize: Int, maxPageSize: Int, dryRunTimeout: Duration, pageTokenKey: [UInt8]? = nil) {
            self.defaultPageSize = defaultPageSize
            self.maxPageSize = maxPageSize
            self.dryRunTimeout = dryRunTimeout
            self.pageTokenKey = pageTokenKey
        }

        /// 100 per page (at most 1000), 30 s dry-run timeout, a random page-token key.
        public static var defaults: Configuration {
            Configuration(defaultPageSize: 100, maxPageSize: 1000, dryRunTimeout: .seconds(30))
        }
    }

    /// Creates the service over an orchestrator (which brings the store, migrator client,
    /// clock and token signer).
    /// - Parameter readStore: The same data as the orchestrator's store, reached through other
    ///   connections, for the expensive client reads; `nil` reads through the orchestrator's store.
    public init(
        orchestrator: Orchestrator,
        readStore: (any LoomStore)? = nil,
        configuration: Configuration = .defaults,
        logger: Logger = Logger(label: "loom.service")
    ) {
        self.orchestrator = orchestrator
        self.reads = readStore ?? orchestrator.store
        self.configuration = configuration
        self.logger = logger
        if let source = configuration.pageTokenKeySource {
            self.pageTokenKeys = PageTokenKeys(source: source)
        } else {
            var generator = SystemRandomNumberGenerator()
            // A configured key shorter than 32 bytes is not used (the server passes a 32-byte HMAC).
            let key = configuration.pageTokenKey.flatMap { $0.count >= 32 ? $0 : nil }
                ?? (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            self.pageTokenKeys = PageTokenKeys(codec: PageTokenCodec(key: key))
        }
    }

    // MARK: Migrations

    /// Registers or updates a migration (§2.1, validated).
    ///
    /// A new migration is stored with its candidates (`not_started`). A re-announce replaces
    /// name, description, migrator URL, required inputs and steps, keeps `createdAt`, owner and
    /// every stored candidate with its status, and only adds announced candidates that are not
    /// stored yet. Runs in flight keep the steps they started with.
    /// - Parameters:
    ///   - migration: The announced definition.
    ///   - owner: The announcing migrator's identity, or `nil` when unknown; a migration first
    ///     announced by another identity is refused with `permissionDenied`.
    /// - Returns: The stored migration (with counts, without candidates).
    public func announce(_ migration: Migration, owner: String? = nil) async throws -> Migration {
        try await announceReporting(migration, owner: owner).migration
    }

    /// ``announce(_:owner:)``, also reporting the announced candidates that were refused.
    ///
    /// A bad definition (id, URL, steps, inputs) or more than 10,000 candidates refuses the
    /// whole announce; a bad candidate is refused alone, with its reason, and the others are
    /// stored.
    public func announceReporting(
        _ migration: Migration, owner: String? = nil
    ) async throws -> (migration: Migration, rejectedCandidates: [RejectedCandidate]) {
        try Validation.migration(migration)
        let (accepted, rejected) = Self.screen(migration.candidates, steps: migration.steps)
        let outcome = try await store.announce(migration, newCandidates: accepted, owner: owner, at: clock.now())
        logger.info(
            "migration announced",
            metadata: [
                "migration": "\(migration.id)", "created": "\(outcome.created)", "steps": "\(migration.steps.count)",
                "candidates": "\(accepted.count)", "rejected": "\(rejected.count)",
            ]
        )
        return (outcome.migration, rejected)
    }

    /// A page of migrations ordered by id, with their counts, without candidates.
    /// - Parameters:
    ///   - pageSize: 0 for the default (100); at most 1000.
    ///   - pageToken: Empty for the first page, else a previous ``MigrationPage/nextPageToken``.
    ///   - scope: The migrations the caller may read (``CallerScope``): a caller scoped to its own
    ///     sees only those (a page may then hold fewer than `pageSize`, even none; go on while the
    ///     token is non-empty).
    public func listMigrations(pageSize: Int = 0, pageToken: String = "", scope: CallerScope = .unrestricted) async throws -> MigrationPage {
        let size = try pageLimit(pageSize)
        var after: String?
        if !pageToken.isEmpty {
            let (fields, _) = try openToken(pageToken, kind: "migrations", migrationId: "", binding: "")
            guard let cursor = fields["after"], Identifier.isValid(cursor) else { throw Self.badToken }
            after = cursor
        }
        var migrations = try await reads.listMigrations(after: after, limit: size + 1)
        var next = ""
        if migrations.count > size {
            migrations.removeLast(migrations.count - size)
            let tokens = try pageTokens
            next = migrations.last.map {
                tokens.seal(kind: "migrations", fields: [("m", ""), ("f", ""), ("after", $0.id)], expiresAt: 0)
            } ?? ""
        }
        migrations.removeAll { !scope.permits(owner: $0.owner) }
        for index in migrations.indices {
            let order = migrations[index].steps.map(\.name)
            migrations[index].counts?.orderSteps(by: order)
        }
        return MigrationPage(migrations: migrations, nextPageToken: next)
    }
}
