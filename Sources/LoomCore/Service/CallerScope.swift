/// Which migrations a caller may act on: the ownership rule of Loom's migrators, enforced once,
/// by the ``Service`` use cases a migrator calls.
///
/// A migration's owner is the identity that first announced it (empty when it was announced
/// anonymously). A caller that acts only as a migrator may act on the migrations it owns and on
/// no other; the transports' authorizers decide, from the caller's roles, which scope a call runs
/// in (role → method decisions stay theirs), and the service refuses a call outside its scope with
/// ``LoomError/ownedByAnother(_:)`` (permission denied: RPC `PERMISSION_DENIED`, REST shim 403)
/// before it changes or reveals anything.
///
/// Announcing is not scoped: the store refuses a re-announce by anyone but the owner for every
/// caller, atomically (see ``Service/announce(_:owner:)``).
public enum CallerScope: Sendable, Hashable {
    /// Any migration: operators and viewers, and calls whose right is proven otherwise (a step
    /// event carrying a callback token).
    case unrestricted
    /// A caller acting only as a migrator: only the migrations whose owner is `identity`. An
    /// anonymous caller (`nil`: no authorization policy, or the REST shim's legacy anonymous mode)
    /// acts only on migrations that have no owner; an identified one never on an unowned migration
    /// (it did not announce it).
    case migrator(identity: String?)

    /// Whether a caller in this scope may act on a migration owned by `owner` (empty: no owner).
    public func permits(owner: String) -> Bool {
        switch self {
        case .unrestricted: true
        case .migrator(let identity): owner == (identity ?? "")
        }
    }
}

extension Service {
    /// Throws ``LoomError/ownedByAnother(_:)`` when `scope` does not reach migration
    /// `migrationId` (see ``CallerScope``); `notFound` when it does not exist. Reads nothing for
    /// an unrestricted caller.
    func requireScope(_ scope: CallerScope, migrationId: String) async throws {
        guard case .migrator = scope else { return }
        try Identifier.validate(migrationId, field: "migration id")
        let migration = try await store.migrationDefinition(id: migrationId)
        guard scope.permits(owner: migration.owner) else { throw LoomError.ownedByAnother(migrationId) }
    }
}
