import LoomHTTP

/// A test ``ShimMigratorAuthorizer`` for shim tests that are not about authorization: the caller
/// acts as its certificate identity, or anonymously. (The server's real rules — policy, bearer
/// credentials, ownership, the legacy flag — are tested in LoomServerTests' shim access matrix.)
struct PeerIdentityAuthorizer: ShimMigratorAuthorizer {
    func authorize(_ caller: ShimCaller, _ operation: ShimMigratorOperation, migrationId: String) async throws -> String? {
        caller.peerIdentity?.value
    }
}
