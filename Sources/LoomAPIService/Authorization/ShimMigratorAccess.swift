import LoomCore
import LoomHTTP
import LoomTLS

/// Who may announce migrations and submit candidates over the REST shim: the same identities,
/// policy and ownership rule as the RPC face (``CallerAccess``), so a migration owned over mTLS
/// cannot be taken over through the shim.
///
/// The caller's identity is, in this order:
/// 1. its verified TLS client certificate (`--http-tls --http-client-auth optional|require`);
/// 2. a bearer credential (`Authorization: Bearer <token>`) whose SHA-256 the policy file declares
///    under `"credentials"` — the caller then acts as that credential's identity;
/// 3. none (anonymous).
///
/// An identity must hold a role that allows `Announce` / `SubmitCandidates` (every identity may
/// without a policy). The grant carries the caller's scope (``CallerAccess/changeScope(of:)``),
/// which the service enforces: a migrator-only identity submits only to migrations it owns; a
/// re-announce by anyone but the owner is refused by the store. A bearer token that matches no
/// credential is refused (401), never treated as anonymous. An anonymous caller is refused
/// (401) unless the legacy mode is on (`--shim-anonymous-announce`), and even then it changes only
/// migrations without an owner.
public struct ShimMigratorAccess: ShimMigratorAuthorizer {
    let access: CallerAccess
    let allowsAnonymous: Bool

    /// Creates the shim's migrator authorization.
    /// - Parameters:
    ///   - access: The policy and the rules that follow from it (shared with the RPC face).
    ///   - allowsAnonymous: The legacy mode: callers without credentials may announce and submit
    ///     for migrations that have no owner.
    public init(access: CallerAccess, allowsAnonymous: Bool) {
        self.access = access
        self.allowsAnonymous = allowsAnonymous
    }

    /// Resolves the caller's identity, checks that it may call `operation`, and grants it its scope.
    public func authorize(
        _ caller: ShimCaller, _ operation: ShimMigratorOperation, migrationId: String
    ) async throws -> ShimMigratorGrant {
        let identity = try self.identity(of: caller)
        if let identity {
            switch access.decision(for: identity, calling: operation.rawValue) {
            case .allow: break
            case .unauthenticated(let reason): throw ShimError.unauthorized(reason)
            case .permissionDenied(let reason): throw ShimError.forbidden(reason)
            }
        } else if !allowsAnonymous {
            throw ShimError.unauthorized(
                "\(operation.rawValue) over the REST shim needs a client certificate or a migrator credential (Authorization: Bearer)")
        }
        return ShimMigratorGrant(identity: identity?.value, scope: access.changeScope(of: identity))
    }

    /// The certificate identity, else the identity of the presented credential, else `nil`.
    private func identity(of caller: ShimCaller) throws(ShimError) -> PeerIdentity? {
        if let certificate = caller.peerIdentity { return certificate }
        guard let token = caller.bearerToken else { return nil }
        guard let identity = access.policy?.identity(presenting: token) else {
            throw .unauthorized("the bearer token is not a migrator credential of the authorization policy")
        }
        return identity
    }
}
