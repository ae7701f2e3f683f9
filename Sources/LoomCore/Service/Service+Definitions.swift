extension Service {
    /// The migration's definition **without** candidates: cheap, for per-call checks such as
    /// the ownership of a migration by the migrator calling.
    /// - Throws: ``LoomError`` `notFound` when it does not exist, `invalidArgument` for a bad id.
    public func migrationDefinition(id: String) async throws -> Migration {
        try Identifier.validate(id, field: "migration id")
        return try await store.migrationDefinition(id: id)
    }
}
