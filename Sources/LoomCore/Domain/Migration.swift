/// A value the operator is asked for before a run starts.
public struct InputDefinition: Hashable, Sendable, Codable {
    /// Metadata key the operator's value is written under at start time (e.g. `repoName`).
    public var name: String
    /// Human label for the input (e.g. `Repository`).
    public var label: String

    /// Creates an input definition.
    public init(name: String, label: String) {
        self.name = name
        self.label = label
    }
}

/// One ordered step of a migration.
public struct StepDefinition: Hashable, Sendable, Codable {
    /// The step-config key that sets a per-step timeout in decimal seconds, overriding the
    /// server default (`loom.timeout_seconds`).
    public static let timeoutConfigKey = "loom.timeout_seconds"

    /// Unique within the migration; a valid ``Identifier``.
    public var name: String
    /// The migrator app that owns the step; forwarded, informational to Loom.
    public var migratorApp: String
    /// Human description; not forwarded on dispatch.
    public var description: String
    /// Handler selector inside the migrator (e.g. `swap-chart`); forwarded verbatim.
    public var type: String
    /// Opaque key/values forwarded verbatim on dispatch (see ``timeoutConfigKey``).
    public var config: [String: String]

    /// Creates a step definition.
    public init(
        name: String,
        migratorApp: String = "",
        description: String = "",
        type: String = "",
        config: [String: String] = [:]
    ) {
        self.name = name
        self.migratorApp = migratorApp
        self.description = description
        self.type = type
        self.config = config
    }

    /// The per-step timeout from ``config`` (`loom.timeout_seconds`), if present and valid
    /// (a positive decimal number of seconds, at most 30 days).
    public var configuredTimeout: Duration? {
        guard let text = config[Self.timeoutConfigKey], let seconds = Double(text),
            seconds.isFinite, seconds > 0, seconds <= 30 * 24 * 3600
        else { return nil }
        return .milliseconds(Int64(seconds * 1000))
    }
}

/// A registered, reusable plan announced by one migrator.
public struct Migration: Hashable, Sendable, Codable {
    /// Deterministic slug chosen by the migrator; a valid ``Identifier``.
    public var id: String
    /// Display name.
    public var name: String
    /// Display text.
    public var description: String
    /// Base URL Loom POSTs `/dispatch-step` and `/dry-run` to (`http://` or `https://`).
    public var migratorUrl: String
    /// Values the operator must supply when starting a run.
    public var requiredInputs: [InputDefinition]
    /// Candidates to add, on announce only. Never filled when read: a migration can have
    /// 100,000 candidates (page through them with ``Service/listCandidates(migrationId:filter:pageSize:pageToken:scope:)``).
    public var candidates: [Candidate]
    /// Ordered steps; runs execute them strictly in this order.
    public var steps: [StepDefinition]
    /// Set when first announced; never changed afterwards.
    public var createdAt: Timestamp
    /// Set on every announce.
    public var updatedAt: Timestamp
    /// Identity of the migrator that announced it first (from its client certificate), or
    /// empty when unknown. Kept across re-announces.
    public var owner: String
    /// Candidates and runs per status and active runs per step, when read with them
    /// (``MigrationStore/migrationSummary(id:)``, listings); `nil` otherwise.
    public var counts: MigrationCounts?

    /// Creates a migration.
    public init(
        id: String,
        name: String = "",
        description: String = "",
        migratorUrl: String,
        requiredInputs: [InputDefinition] = [],
        candidates: [Candidate] = [],
        steps: [StepDefinition],
        createdAt: Timestamp = .epoch,
        updatedAt: Timestamp = .epoch,
        owner: String = "",
        counts: MigrationCounts? = nil
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.migratorUrl = migratorUrl
        self.requiredInputs = requiredInputs
        self.candidates = candidates
        self.steps = steps
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.owner = owner
        self.counts = counts
    }
}
