import NIOCore

/// How an RPC server or client secures its connections.
///
/// TLS (ALPN `loom/1`, optional mutual authentication) is the norm; plaintext exists only when explicitly asked
/// for with ``insecure``, and the server and client log a warning when they use it.
public struct RPCTransportSecurity: Sendable {
    enum Base: Sendable {
        case insecure
    }

    let base: Base

    /// Plaintext TCP. For tests and local development only: peers are unauthenticated (``RPCPeer/identity`` is
    /// `nil`) and traffic is readable on the network.
    public static let insecure = RPCTransportSecurity(base: .insecure)

    /// Whether this is plaintext.
    public var isInsecure: Bool {
        switch base {
        case .insecure: true
        }
    }

    /// Adds the security handlers (if any) at the front of a new connection's pipeline.
    ///
    /// This is the seam where the TLS handler goes: everything added after it sees plaintext frames.
    func configure(channel: any Channel, isServer: Bool) throws {
        switch base {
        case .insecure:
            return
        }
    }
}
