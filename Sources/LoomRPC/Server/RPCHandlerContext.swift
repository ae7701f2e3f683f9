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
    public var logger: Logger {
        get {
            if let loggerOverride { return loggerOverride }
            return Self.callLogger(connectionLogger, method: method, callID: callID)
        }
        set { loggerOverride = newValue }
    }

    /// The connection's logger; ``logger`` adds the call's metadata only when it is used (most calls never log,
    /// and building the metadata for each would cost every call).
    private let connectionLogger: Logger
    private let callID: UInt32
    private var loggerOverride: Logger?
    /// What the call's decoded request is reserved from (nil: nothing is reserved).
    let decodeBudgets: RPCDecodeBudgets?

    init(
        method: String,
        deadline: NIODeadline?,
        metadata: RPCMetadata,
        peer: RPCPeer,
        callID: UInt32,
        connectionLogger: Logger,
        decodeBudgets: RPCDecodeBudgets? = nil
    ) {
        self.method = method
        self.deadline = deadline
        self.metadata = metadata
        self.peer = peer
        self.callID = callID
        self.connectionLogger = connectionLogger
        self.decodeBudgets = decodeBudgets
    }

    /// `logger` with the `rpc.method` and `rpc.call_id` metadata of one call.
    static func callLogger(_ logger: Logger, method: String, callID: UInt32) -> Logger {
        var logger = logger
        logger[metadataKey: "rpc.method"] = .string(method)
        logger[metadataKey: "rpc.call_id"] = .stringConvertible(callID)
        return logger
    }
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
