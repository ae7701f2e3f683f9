import Logging
import NIOCore

extension ChannelPipeline.SynchronousOperations {
    /// Adds server-side TLS at the front of this pipeline; handlers added after it read and
    /// write plaintext. Call it first in a child-channel initializer:
    ///
    /// ```swift
    /// ServerBootstrap(group: group).childChannelInitializer { channel in
    ///     channel.eventLoop.makeCompletedFuture {
    ///         try channel.pipeline.syncOperations.addTLSServerHandlers(context: tls, logger: logger)
    ///         try channel.pipeline.syncOperations.addHandler(MyProtocolHandler())
    ///     }
    /// }
    /// ```
    ///
    /// The peer identity reaches later handlers as a ``TLSHandshakeCompleted`` user event,
    /// and is readable from the returned handler or `channel.tlsHandshakeCompleted()`.
    /// - Parameters:
    ///   - context: A server ``TLSContext``; the connection uses its current certificates.
    ///   - logger: Receives handshake rejections with their reason.
    ///   - rejections: Receives handshake rejections instead of `logger`, to aggregate them (see
    ///     ``ConnectionAdmission``).
    /// - Returns: The added handler.
    @discardableResult
    public func addTLSServerHandlers(
        context: TLSContext,
        logger: Logger = Logger(label: "loom.tls"),
        rejections: (any TLSRejectionReporter)? = nil
    ) throws -> TLSHandler {
        precondition(context.role == .server, "addTLSServerHandlers needs a server TLSContext")
        let handler = try TLSHandler(context: context, logger: logger, rejections: rejections)
        try addHandler(handler, position: .first)
        return handler
    }

    /// Adds client-side TLS at the front of this pipeline (see ``addTLSServerHandlers(context:logger:)``).
    /// - Parameters:
    ///   - context: A client ``TLSContext``.
    ///   - serverHostname: The name or IP address the server certificate must match (also the
    ///     SNI for names); `nil` uses ``TLSConfig/serverName``.
    ///   - logger: Receives handshake failures with their reason.
    /// - Returns: The added handler.
    @discardableResult
    public func addTLSClientHandlers(
        context: TLSContext,
        serverHostname: String? = nil,
        logger: Logger = Logger(label: "loom.tls")
    ) throws -> TLSHandler {
        precondition(context.role == .client, "addTLSClientHandlers needs a client TLSContext")
        let handler = try TLSHandler(context: context, serverHostname: serverHostname, logger: logger)
        try addHandler(handler, position: .first)
        return handler
    }
}

extension Channel {
    /// The result of this channel's TLS handshake: succeeds once it completed (immediately if
    /// it already has), fails with the ``TLSError`` that ended the connection, or fails with
    /// `ChannelPipelineError.notFound` when the channel has no ``TLSHandler`` — which includes
    /// a channel that a failed handshake already closed. To always see the ``TLSError``, take
    /// ``TLSHandler/handshakeFuture`` from the handler the `addTLS…Handlers` call returned.
    public func tlsHandshakeCompleted() -> EventLoopFuture<TLSHandshakeCompleted> {
        pipeline.handler(type: TLSHandler.self).flatMap { $0.handshakeFuture }
    }
}
