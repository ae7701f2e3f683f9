import Logging
import LoomTLS
import NIOCore

/// The authenticated (or not) party at the other end of a connection.
public struct RPCPeer: Hashable, Sendable, CustomStringConvertible {
    /// The identity proven by the peer's TLS certificate: URI SAN (SPIFFE id), else DNS SAN, else subject CN.
    /// `nil` on an insecure (plaintext) connection or when the client presented no certificate.
    public var identity: PeerIdentity?
    /// The peer's socket address, for logs.
    public var remoteAddress: String

    /// Creates a peer description.
    public init(identity: PeerIdentity?, remoteAddress: String) {
        self.identity = identity
        self.remoteAddress = remoteAddress
    }

    public var description: String { "\(identity.map { "\($0)" } ?? "<anonymous>")@\(remoteAddress)" }
}

/// What a server handler knows about the call it serves.
public struct RPCHandlerContext: Sendable {
    /// The full method name, e.g. `/loom.v1.Loom/GetRun`.
    public var method: String
    /// When the call must be finished by, or `nil` for no deadline. Past it the server ends the call with
    /// DEADLINE_EXCEEDED and cancels the handler's task.
    public var deadline: NIODeadline?
    /// The metadata the client sent with the call.
    public var metadata: RPCMetadata
    /// The peer that made the call, with its TLS identity.
    public var peer: RPCPeer
    /// A logger carrying the call's method and id.
    public var logger: Logger
}

/// What the authorization hook decides for a call.
public enum RPCAuthorizationDecision: Hashable, Sendable {
    /// The call proceeds to its handler.
    case allow
    /// The caller is not (sufficiently) authenticated: the call ends with UNAUTHENTICATED and this message.
    case unauthenticated(String)
    /// The caller is authenticated but may not call this method: the call ends with PERMISSION_DENIED and this
    /// message.
    case permissionDenied(String)
}

/// Decides, before any handler runs, whether a peer may call a method.
///
/// The server runs it for every call whose method exists; its decision is final.
public protocol RPCAuthorizer: Sendable {
    /// Decides whether `peer` may call `method` (a full name such as `/loom.v1.Loom/StartRun`).
    func authorize(peer: RPCPeer, method: String, metadata: RPCMetadata) async -> RPCAuthorizationDecision
}

/// An authorizer that allows every call; the default.
public struct RPCAllowAllAuthorizer: RPCAuthorizer {
    /// Creates the authorizer.
    public init() {}

    /// Always returns ``RPCAuthorizationDecision/allow``.
    public func authorize(peer: RPCPeer, method: String, metadata: RPCMetadata) async -> RPCAuthorizationDecision {
        .allow
    }
}
