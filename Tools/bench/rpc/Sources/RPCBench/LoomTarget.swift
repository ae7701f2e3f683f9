import Foundation
import Logging
import LoomRPC
import LoomTLS
import NIOCore
import NIOPosix

enum LoomTarget {
    static let method = "/bench.v1.Bench/Echo"

    static func serverSecurity(_ certs: Certificates) throws -> RPCTransportSecurity {
        .tls(
            try TLSContext.server(
                .defaults {
                    $0.certificates = .init(chainPath: certs.serverChain, privateKeyPath: certs.serverKey)
                    $0.trustRootsPath = certs.ca
                    $0.clientAuthentication = .require
                    $0.alpnProtocols = [RPCTransportSecurity.alpnProtocol]
                }
            )
        )
    }

    static func clientSecurity(_ certs: Certificates) throws -> RPCTransportSecurity {
        .tls(
            try TLSContext.client(
                .defaults {
                    $0.certificates = .init(chainPath: certs.clientChain, privateKeyPath: certs.clientKey)
                    $0.trustRootsPath = certs.ca
                    $0.alpnProtocols = [RPCTransportSecurity.alpnProtocol]
                }
            )
        )
    }

    /// Serves the echo method until the process is terminated.
    /// `LOOM_BENCH_HANDLERS=global` measures the default executor; otherwise handlers run on the event loop.
    static var handlerExecution: RPCServer.HandlerExecution {
        ProcessInfo.processInfo.environment["LOOM_BENCH_HANDLERS"] == "global" ? .globalConcurrentExecutor : .eventLoop
    }

    static func serve(port: Int, certs: Certificates, ready: (Int) -> Void) async throws {
        var router = RPCRouter()
        router.registerUnary(method) { request, _ in request }
        var logger = Logger(label: "bench.loom.server")
        logger.logLevel = .error
        let server = try await RPCServer.bind(
            host: "127.0.0.1", port: port, router: router,
            configuration: .defaults(transportSecurity: try serverSecurity(certs)) {
                $0.maxConcurrentCallsPerConnection = 1024
                $0.idleTimeout = nil
                $0.handlerExecution = handlerExecution
            },
            logger: logger
        )
        ready(server.localAddress?.port ?? port)
        try await server.serve()
    }

    struct Connection: BenchConnection {
        let client: RPCClient
        func call(_ payload: ByteBuffer) async throws -> ByteBuffer {
            try await client.unary(method: LoomTarget.method, request: payload)
        }
    }

    static func connect(port: Int, certs: Certificates) throws -> Connection {
        var logger = Logger(label: "bench.loom.client")
        logger.logLevel = .error
        return Connection(
            client: RPCClient(
                host: "127.0.0.1", port: port,
                configuration: .defaults(transportSecurity: try clientSecurity(certs)) { $0.keepaliveInterval = nil },
                logger: logger
            )
        )
    }
}
