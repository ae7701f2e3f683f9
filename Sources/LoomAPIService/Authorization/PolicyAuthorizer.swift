import LoomCore
import LoomProto
import LoomRPC
import LoomTLS

/// What the server knows about callers: the optional policy, and the rules that follow from it.
///
/// Without a policy every caller may call every method (the server warns at startup); a
/// migration announced by an authenticated caller is still owned by that identity.
public struct CallerAccess: Sendable {
    /// The policy in force, or `nil` when none was configured.
    public var policy: AuthorizationPolicy?

    /// Creates the access rules for `policy`.
    public init(policy: AuthorizationPolicy?) {
        self.policy = policy
    }

    /// The roles of a peer: every role without a policy; none for an anonymous peer with one.
    public func roles(of identity: PeerIdentity?) -> Set<Role> {
        guard let policy else { return Set(Role.allCases) }
        guard let identity else { return [] }
        return policy.roles(of: identity)
    }

    /// The identity a migration announced by this caller is owned by (`nil` for anonymous callers).
    func ownerIdentity(_ context: RPCHandlerContext) -> String? {
        context.peer.identity?.value
    }

    /// A short name for history entries ("started by"); empty for anonymous callers.
    func displayName(_ context: RPCHandlerContext) -> String {
        ownerIdentity(context) ?? ""
    }

    /// Whether the caller acts only as a migrator (and so only on migrations it owns).
    func isMigratorOnly(_ identity: PeerIdentity?) -> Bool {
        let roles = roles(of: identity)
        return roles.contains(.migrator) && !roles.contains(.operator)
    }

    /// Whether the caller may read only the migrations it owns: its roles include migrator and
    /// no role that reads every migration (viewer, operator).
    func readsOnlyOwned(_ identity: PeerIdentity?) -> Bool {
        let roles = roles(of: identity)
        return roles.contains(.migrator) && roles.isDisjoint(with: [.viewer, .operator])
    }

    /// The migrations `identity` may change (candidates, step events): only its own when it is a
    /// migrator-only caller; only unowned ones when it is anonymous (no policy, or the shim's legacy
    /// mode); every one otherwise. The service enforces it (``LoomCore/CallerScope``).
    public func changeScope(of identity: PeerIdentity?) -> CallerScope {
        identity == nil || isMigratorOnly(identity) ? .migrator(identity: identity?.value) : .unrestricted
    }

    /// The migrations `identity` may read: only its own when its roles include migrator and no role
    /// that reads every migration (viewer, operator) — GetMigration, ListCandidates, GetRun by
    /// default, and the methods a policy adds to the migrator role alone; every one otherwise.
    public func readScope(of identity: PeerIdentity?) -> CallerScope {
        readsOnlyOwned(identity) ? .migrator(identity: identity?.value) : .unrestricted
    }

    /// The migrations a step event reported over RPC may concern: an anonymous caller proves its
    /// right with the callback token, which the service checks against the run, so it is not
    /// scoped; an authenticated one is scoped as for any change (``changeScope(of:)``).
    func eventScope(of identity: PeerIdentity?) -> CallerScope {
        identity == nil ? .unrestricted : changeScope(of: identity)
    }

    /// Whether `identity` may call `method` (a bare method name such as `Announce`): the one
    /// method-level rule, used by the RPC authorizer and by the REST shim alike.
    ///
    /// Without a policy everyone may call everything; with one, an anonymous caller is
    /// unauthenticated, and an identity without a role allowing the method is denied.
    public func decision(for identity: PeerIdentity?, calling method: String) -> AccessDecision {
        guard let policy else { return .allow }
        guard let identity else { return .unauthenticated("a client certificate is required") }
        let roles = policy.roles(of: identity)
        guard !roles.isEmpty else {
            return .permissionDenied("identity \(identity.value) has no role in the authorization policy")
        }
        guard policy.allows(roles, toCall: method) else {
            let held = roles.sorted().map(\.rawValue).joined(separator: ", ")
            return .permissionDenied("role \(held) may not call \(method)")
        }
        return .allow
    }

    /// The credential of an event sent without a callback token: an authenticated caller that
    /// passed authorization is trusted; an anonymous one must present a token.
    func eventCredentialWithoutToken(_ context: RPCHandlerContext) -> EventCredential {
        context.peer.identity == nil ? .missingToken : .trustedCaller
    }
}

/// The RPC authorization hook: identity → roles (policy) → allowed methods.
///
/// An anonymous caller gets UNAUTHENTICATED when a policy is configured; an identity without
/// a role, or whose roles do not allow the method, gets PERMISSION_DENIED. The two are never mixed.
public struct PolicyAuthorizer: RPCAuthorizer {
    let access: CallerAccess

    /// Creates the authorizer for `access`.
    public init(access: CallerAccess) {
        self.access = access
    }

    public func authorize(peer: RPCPeer, method: String, metadata: RPCMetadata) async -> RPCAuthorizationDecision {
        // The router only authorizes methods it serves, so the path always names a LoomMethod.
        switch access.decision(for: peer.identity, calling: LoomMethod(path: method)?.name ?? method) {
        case .allow: return .allow
        case .unauthenticated(let reason): return .unauthenticated(reason)
        case .permissionDenied(let reason): return .permissionDenied(reason)
        }
    }
}

/// The outcome of ``CallerAccess/decision(for:calling:)``.
public enum AccessDecision: Sendable, Equatable {
    /// The call may proceed.
    case allow
    /// The caller presented no identity, and the policy needs one.
    case unauthenticated(String)
    /// The caller's identity may not call the method.
    case permissionDenied(String)
}
