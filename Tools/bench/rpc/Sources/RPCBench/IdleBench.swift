import Logging
import LoomRPC
import LoomTLS
import NIOCore
import NIOPosix

/// New-connection (mTLS handshake) time and the RSS of a Loom server holding many idle mTLS connections.
enum IdleBench {
    static func run(connections count: Int, certs: Certificates) async throws {
        raiseFileLimit()
        let server = try ServerProcess(kind: "loom", certs: certs)
        defer { server.stop() }
        let baseline = server.residentBytes()
        let security = try TLSContext.client(
            .defaults {
                $0.certificates = .init(chainPath: certs.clientChain, privateKeyPath: certs.clientKey)
                $0.trustRootsPath = certs.ca
                $0.alpnProtocols = [RPCTransportSecurity.alpnProtocol]
            }
        )
        var logger = Logger(label: "bench.idle")
        logger.logLevel = .error
        let quiet = logger
        let port = server.port
        // Resolved once: the figure is TCP connect + handshake, not name resolution (NIO runs
        // getaddrinfo off the loop even for "127.0.0.1").
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: port)

        @Sendable func open() async throws -> any Channel {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addTLSClientHandlers(context: security, serverHostname: "localhost", logger: quiet)
                    }
                }
                .connect(to: address).get()
            _ = try await channel.tlsHandshakeCompleted().get()
            return channel
        }

        // Handshake time: sequential new connections (TCP connect + full mTLS 1.3 handshake), client's view.
        var samples = LatencySamples()
        var channels: [any Channel] = []
        for _ in 0..<min(count, 300) {
            let start = nowNanos()
            channels.append(try await open())
            samples.add(nowNanos() - start)
        }
        // The rest, 32 at a time.
        while channels.count < count {
            let batch = min(32, count - channels.count)
            let opened = try await withThrowingTaskGroup(of: (any Channel).self) { group in
                for _ in 0..<batch { group.addTask { try await open() } }
                return try await group.reduce(into: [any Channel]()) { $0.append($1) }
            }
            channels.append(contentsOf: opened)
        }
        try await Task.sleep(for: .seconds(1))
        let loaded = server.residentBytes()
        print("")
        print("new mTLS connection (connect + handshake, \(samples.nanos.count) sequential): p50 \(format(samples.percentile(0.5))) µs, p99 \(format(samples.percentile(0.99))) µs")
        print("server RSS: \(baseline / 1024) KiB before, \(loaded / 1024) KiB with \(channels.count) idle mTLS connections (\(format(Double(loaded) / 1_048_576)) MiB, \(format(Double(loaded - baseline) / Double(channels.count) / 1024)) KiB per connection)")
        for channel in channels { channel.close(promise: nil) }
    }
}
