import LoomAPIService
import LoomCore
import LoomTLS

/// Who is calling the console, and what they may do: the same policy as RPC (``CallerAccess``).
public struct ConsoleCaller: Sendable {
    /// The caller's identity; `nil` in auth mode `none`.
    public let identity: PeerIdentity?
    /// Whether the caller is trusted with everything (auth mode `none`).
    let unrestricted: Bool
    let access: CallerAccess

    /// What the caller may do with `method` (an RPC method name such as `GetRun`): exactly the
    /// RPC authorizer's decision.
    public func decision(calling method: String) -> AccessDecision {
        unrestricted ? .allow : access.decision(for: identity, calling: method)
    }

    /// The migrations the caller may read.
    public var readScope: CallerScope {
        unrestricted ? .unrestricted : access.readScope(of: identity)
    }

    /// The migrations the caller may change (step events): as for RPC.
    public var changeScope: CallerScope {
        unrestricted ? .unrestricted : access.changeScope(of: identity)
    }

    /// The caller's roles, for display.
    public var roles: Set<Role> {
        unrestricted ? Set(Role.allCases) : access.roles(of: identity)
    }
}

/// Resolves the caller of a console request according to the auth mode.
public struct ConsoleAuthenticator: Sendable {
    let mode: ConsoleConfiguration.AuthMode
    let proxyHeader: String
    let proxyPeers: [AddressRange]
    let access: CallerAccess

    /// Creates the authenticator.
    public init(configuration: ConsoleConfiguration, access: CallerAccess) {
        self.mode = configuration.auth
        self.proxyHeader = configuration.proxyHeader
        self.proxyPeers = configuration.proxyPeers
        self.access = access
    }

    /// Why a request has no caller.
    public enum Refusal: Error, Sendable, Equatable {
        /// No identity presented (401).
        case unauthenticated(String)
        /// An identity from somewhere it is not accepted (403).
        case forbidden(String)
    }

    /// The caller of `request`, or why there is none.
    ///
    /// - `none`: an unrestricted caller without identity.
    /// - `proxy`: the peer must be in the configured proxy peers (403 otherwise, header or not),
    ///   and the header must be present and non-empty (401 otherwise). A value with `://` is matched
    ///   against the policy's `uri` rules, any other against its `cn` rules.
    /// - `mtls`: the verified certificate's identity (401 without one).
    public func caller(of request: ConsoleRequest) -> Result<ConsoleCaller, Refusal> {
        switch mode {
        case .none:
            return .success(ConsoleCaller(identity: nil, unrestricted: true, access: access))
        case .proxy:
            guard let peer = request.peerAddress, proxyPeers.contains(where: { $0.contains(peer) }) else {
                return .failure(.forbidden("requests are accepted only through the authenticating proxy (--console-proxy-peers)"))
            }
            let values = request.headers[proxyHeader]
            guard values.count == 1, let value = values.first?.trimmingCharacters(in: .whitespaces), !value.isEmpty,
                value.utf8.count <= 512
            else {
                return .failure(.unauthenticated(values.count > 1 ? "more than one \(proxyHeader) header" : "no \(proxyHeader) header from the proxy"))
            }
            let identity = PeerIdentity(value: value, source: value.contains("://") ? .uri : .commonName)
            return .success(ConsoleCaller(identity: identity, unrestricted: false, access: access))
        case .mtls:
            guard let identity = request.peerIdentity else {
                return .failure(.unauthenticated("a verified client certificate is required"))
            }
            return .success(ConsoleCaller(identity: identity, unrestricted: false, access: access))
        }
    }
}
