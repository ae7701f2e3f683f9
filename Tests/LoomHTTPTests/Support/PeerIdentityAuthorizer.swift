import LoomCore
import LoomHTTP

/// A test ``ShimMigratorAuthorizer`` for shim tests that are not about authorization: the caller
/// acts as its certificate identity, or anonymously, on every migration. (The server's real rules —
/// policy, bearer credentials, scopes, the legacy flag — are tested in LoomServerTests' shim access
/// matrix.)
struct PeerIdentityAuthorizer: ShimMigratorAuthorizer {
    func authorize(_ caller: ShimCaller, _ operation: ShimMigratorOperation, migrationId: String) async throws -> ShimMigratorGrant {
        ShimMigratorGrant(identity: caller.peerIdentity?.value, scope: .unrestricted)
    }
}
