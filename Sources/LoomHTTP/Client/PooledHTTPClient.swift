import Logging
import LoomTLS
import NIOCore
import NIOHTTP1
import NIOConcurrencyHelpers
import NIOPosix

/// A small HTTP/1.1 client for calls to migrators: keep-alive pool per host, connect and request deadlines,
/// bounded responses, no redirects (a 3xx is returned like any other status).
final class PooledHTTPClient: Sendable {
    private let group: any EventLoopGroup
    private let configuration: MigratorHTTPClientConfiguration
    private let pool: HTTPConnectionPool
    private let tls: TLSContext?

    init(group: any EventLoopGroup, configuration: MigratorHTTPClientConfiguration, tls: TLSContext?) {
        self.group = group
        self.configuration = configuration
        self.tls = tls
        self.pool = HTTPConnectionPool(
            maxIdlePerHost: configuration.maxIdleConnectionsPerHost,
            idleTimeout: configuration.idleConnectionTimeout
        )
    }

    /// Idle pooled connections to `endpoint`'s host.
    func idleConnections(to endpoint: MigratorEndpoint) -> Int {
        self.pool.idleCount(endpoint.poolKey)
    }

    /// POSTs a JSON body and returns the complete response, whatever its status.
    func postJSON(
        _ body: [UInt8],
        to endpoint: MigratorEndpoint,
        path: String,
        timeout: Duration,
        extraHeaders: [(String, String)] = []
    ) async throws(MigratorClientError) -> HTTPClientResponse {
        let deadline = NIODeadline.now() + .nanoseconds(timeout.nanoseconds)
        var headers = HTTPHeaders()
        headers.add(name: "host", value: endpoint.hostHeader)
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "accept", value: "application/json")
        headers.add(name: "user-agent", value: self.configuration.userAgent)
        headers.add(name: "content-length", value: String(body.count))
        for (name, value) in extraHeaders {
            headers.add(name: name, value: value)
        }
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: endpoint.path(path), headers: headers)
        let buffer = ByteBuffer(bytes: body)

        // A pooled connection may have been closed by the peer just before we wrote on it; that is the one
        // failure retried, once, on a fresh connection (the dispatch body carries an idempotency key).
        if let channel = self.pool.take(endpoint.poolKey) {
            do {
                return try await self.exchange(head, buffer, on: channel, endpoint: endpoint, deadline: deadline)
            } catch where error.code == .connectionClosed {
                // fall through to a new connection
            }
        }
        let channel = try await self.connect(endpoint, deadline: deadline)
        return try await self.exchange(head, buffer, on: channel, endpoint: endpoint, deadline: deadline)
    }

    /// Closes pooled connections.
    func shutdown() async {
        await self.pool.close()
    }

    private func exchange(
        _ head: HTTPRequestHead,
        _ body: ByteBuffer,
        on channel: any Channel,
        endpoint: MigratorEndpoint,
        deadline: NIODeadline
    ) async throws(MigratorClientError) -> HTTPClientResponse {
        let promise = channel.eventLoop.makePromise(of: HTTPClientResponse.self)
        let timedOut = NIOLockedValueBox(false)
        let timeout = channel.eventLoop.scheduleTask(deadline: deadline) {
            timedOut.withLockedValue { $0 = true }
            let error = MigratorClientError(code: .requestTimeout, message: "no complete response from \(endpoint) in time")
            channel.pipeline.fireErrorCaught(error)
            // Also fails the request itself: when the channel closed before the write reached the
            // handler, nothing else ever completes it (a later completion is ignored).
            promise.fail(error)
        }
        channel.writeAndFlush(HTTPClientRequest(head: head, body: body, promise: promise), promise: nil)
        let result: Result<HTTPClientResponse, any Error>
        do {
            let response = try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                channel.close(promise: nil)
            }
            result = .success(response)
        } catch {
            result = .failure(error)
        }
        timeout.cancel()
        switch result {
        case .success(let response):
            if response.keepAlive {
                self.pool.put(channel, for: endpoint.poolKey)
            }
            return response
        case .failure(let error):
            channel.close(promise: nil)
            // A deadline that passed before the request was written fails the connection first and the
            // write then as `connectionClosed`: still a timeout (and not retried on a new connection).
            if timedOut.withLockedValue({ $0 }) {
                throw MigratorClientError(code: .requestTimeout, message: "no complete response from \(endpoint) in time")
            }
            throw (error as? MigratorClientError)
                ?? MigratorClientError(code: .connectionClosed, message: "request to \(endpoint) was cancelled")
        }
    }

    private func connect(_ endpoint: MigratorEndpoint, deadline: NIODeadline) async throws(MigratorClientError) -> any Channel {
        if endpoint.scheme == .https, self.tls == nil {
            throw MigratorClientError(code: .tlsFailed, message: "https migrator URLs need a client TLS configuration")
        }
        let tls = endpoint.scheme == .https ? self.tls : nil
        let remaining = deadline - .now()
        let connectTimeout = min(.nanoseconds(self.configuration.connectTimeout.nanoseconds), max(remaining, .milliseconds(1)))
        let maxResponseSize = self.configuration.maxResponseSize
        let handshake = NIOLockedValueBox<EventLoopFuture<TLSHandshakeCompleted>?>(nil)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: self.group)
                .connectTimeout(connectTimeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        if let tls {
                            // Verifies the certificate against the migrator's host name (and sends it as SNI).
                            let handler = try sync.addTLSClientHandlers(context: tls, serverHostname: endpoint.host)
                            handshake.withLockedValue { $0 = handler.handshakeFuture }
                        }
                        try sync.addHTTPClientHandlers()
                        try sync.addHandler(HTTPClientConnectionHandler(maxResponseSize: maxResponseSize))
                    }
                }
                .connect(host: endpoint.host, port: endpoint.port)
                .get()
        } catch {
            if case ChannelError.connectTimeout = error {
                throw MigratorClientError(code: .connectTimeout, message: "connecting to \(endpoint) timed out")
            }
            throw MigratorClientError(code: .connectFailed, message: "cannot connect to \(endpoint)")
        }
        // Nothing is written before the handshake completes, and its failure is reported as such
        // (not as whatever the closing connection would otherwise surface first).
        if let future = handshake.withLockedValue({ $0 }) {
            do {
                _ = try await future.get()
            } catch {
                channel.close(promise: nil)
                throw MigratorClientError(code: .tlsFailed, message: "TLS handshake with \(endpoint) failed: \(error)")
            }
        }
        return channel
    }
}
