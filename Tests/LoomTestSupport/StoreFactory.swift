import LoomCore

/// Options a store under test is created with.
public struct StoreOptions: Sendable {
    /// Timer partitions.
    public var timerPartitionCount: Int
    /// History entries kept per run.
    public var historyCap: Int

    /// Creates options (defaults: 16 partitions, 1000 history entries).
    public init(timerPartitionCount: Int = StorePartitioning.defaultCount, historyCap: Int = 1000) {
        self.timerPartitionCount = timerPartitionCount
        self.historyCap = historyCap
    }
}

/// Makes fresh, empty stores of one adapter, so the same contract and scenario tests run
/// against every adapter (`@Test(arguments: [factories])`).
public struct StoreFactory: Sendable, CustomStringConvertible {
    /// Adapter name shown in test output.
    public let name: String
    private let make: @Sendable (StoreOptions) async throws -> any LoomStore

    /// Creates a factory.
    public init(name: String, make: @escaping @Sendable (StoreOptions) async throws -> any LoomStore) {
        self.name = name
        self.make = make
    }

    /// A fresh, empty store.
    public func callAsFunction(_ options: StoreOptions = StoreOptions()) async throws -> any LoomStore {
        try await make(options)
    }

    /// The adapter name.
    public var description: String { name }
}

