import GRPCCore
import GRPCNIOTransportHTTP2
import NIOCore

/// grpc-swift-2 over HTTP/2 + TLS (NIOSSL), a raw-bytes echo method without codegen.
enum GRPCTarget {
    static let descriptor = MethodDescriptor(fullyQualifiedService: "bench.v1.Bench", method: "Echo")

    struct RawSerializer: MessageSerializer {
        func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
    }

    struct RawDeserializer: MessageDeserializer {
        func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
            serializedMessageBytes.withUnsafeBytes { Array($0) }
        }
    }

    struct EchoService: RegistrableRPCService {
        func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
            router.registerHandler(
                forMethod: GRPCTarget.descriptor,
                deserializer: RawDeserializer(),
                serializer: RawSerializer()
            ) { request, _ in
                var message: [UInt8] = []
                for try await part in request.messages { message = part }
                return StreamingServerResponse(single: ServerResponse(message: message))
            }
        }
    }

    static func serve(port: Int, certs: Certificates, ready: @escaping @Sendable (Int) -> Void) async throws {
        let transport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: "127.0.0.1", port: port),
            transportSecurity: .mTLS(
                certificateChain: [.file(path: certs.serverChain, format: .pem)],
                privateKey: .file(path: certs.serverKey, format: .pem)
            ) {
                $0.trustRoots = .certificates([.file(path: certs.ca, format: .pem)])
            }
        )
        let server = GRPCServer(transport: transport, services: [EchoService()])
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            guard let address = try await transport.listeningAddress.ipv4 else { throw BenchError("no IPv4 listening address") }
            ready(address.port)
        }
    }

    struct Connection: BenchConnection {
        let client: GRPCClient<HTTP2ClientTransport.Posix>
        func call(_ payload: ByteBuffer) async throws -> ByteBuffer {
            let bytes = Array(payload.readableBytesView)
            let reply = try await client.unary(
                request: ClientRequest(message: bytes),
                descriptor: GRPCTarget.descriptor,
                serializer: RawSerializer(),
                deserializer: RawDeserializer(),
                options: .defaults
            ) { response in try response.message }
            return ByteBuffer(bytes: reply)
        }
    }

    /// Creates a client and starts its connection task (kept running for the rest of the process).
    static func connect(port: Int, certs: Certificates) throws -> Connection {
        let transport = try HTTP2ClientTransport.Posix(
            target: .ipv4(address: "127.0.0.1", port: port),
            transportSecurity: .mTLS(
                certificateChain: [.file(path: certs.clientChain, format: .pem)],
                privateKey: .file(path: certs.clientKey, format: .pem)
            ) {
                $0.trustRoots = .certificates([.file(path: certs.ca, format: .pem)])
                $0.serverCertificateVerification = .noHostnameVerification
            }
        )
        let client = GRPCClient(transport: transport)
        Task { try await client.runConnections() }
        return Connection(client: client)
    }
}
