/// The result of a successful handshake, fired as a user inbound event
/// (`userInboundEventTriggered`) by ``TLSHandler`` and also available as
/// ``TLSHandler/handshakeResult`` and ``TLSHandler/handshakeFuture``.
public struct TLSHandshakeCompleted: Sendable, Hashable {
    /// The ALPN protocol both sides agreed on (e.g. `"loom/1"`), or `nil` when none was negotiated.
    public let negotiatedALPN: String?
    /// The negotiated protocol version.
    public let protocolVersion: TLSConfig.ProtocolVersion
    /// The peer's identity from its verified certificate (`nil` when it presented none,
    /// e.g. a client under `clientAuthentication: .optional/.none`, or a server under
    /// `serverVerification: .none`).
    public let peerIdentity: PeerIdentity?

    /// Creates a handshake result.
    /// - Parameters:
    ///   - negotiatedALPN: The agreed ALPN protocol.
    ///   - protocolVersion: The negotiated version.
    ///   - peerIdentity: The peer's certificate identity.
    public init(negotiatedALPN: String?, protocolVersion: TLSConfig.ProtocolVersion, peerIdentity: PeerIdentity?) {
        self.negotiatedALPN = negotiatedALPN
        self.protocolVersion = protocolVersion
        self.peerIdentity = peerIdentity
    }
}
