import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOPosix

@testable import LoomRPC

/// Counts events (handler started, handler saw cancellation) and lets a test await a count, with a bounded wait.
final class EventCounter: Sendable {
    private struct State {
        var count = 0
        var waiters: [(Int, CheckedContinuation<Void, Never>)] = []
    }

    private let state = NIOLockedValueBox(State())

    var count: Int { state.withLockedValue { $0.count } }

    func increment() {
        let ready = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.count += 1
            let count = state.count
            let ready = state.waiters.filter { $0.0 <= count }.map(\.1)
            state.waiters.removeAll { $0.0 <= count }
            return ready
        }
        for waiter in ready { waiter.resume() }
    }

    /// Waits until the count reaches `target`; throws after `timeout` so a broken test fails instead of hanging.
    func wait(for target: Int, timeout: Duration = .seconds(10)) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let resumeNow = self.state.withLockedValue { state -> Bool in
                        if state.count >= target { return true }
                        state.waiters.append((target, continuation))
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw TimeoutError(waitedFor: target, reached: self.count)
            }
            try await group.next()
            group.cancelAll()
        }
    }

    struct TimeoutError: Error {
        var waitedFor: Int
        var reached: Int
    }
}

/// A gate handlers wait on until the test opens it.
final class Gate: Sendable {
    private let state = NIOLockedValueBox<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let open = state.withLockedValue { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if open { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// A domain error that knows its RPC status.
struct RunConflictError: Error, RPCErrorConvertible {
    var rpcError: RPCError { RPCError(code: .failedPrecondition, message: "run is not in a retryable state") }
}

/// An error whose text must never reach a client.
struct SecretError: Error, CustomStringConvertible {
    var description: String { "redis AUTH failed with password hunter2" }
}

/// The methods the socket tests call.
enum TestMethods {
    static let echo = "/test.v1.Test/Echo"
    static let hang = "/test.v1.Test/Hang"
    static let gated = "/test.v1.Test/Gated"
    static let fail = "/test.v1.Test/Fail"
    static let count = "/test.v1.Test/Count"
    static let typed = "/test.v1.Test/Typed"
    static let whoAmI = "/test.v1.Test/WhoAmI"
    static let forever = "/test.v1.Test/Forever"
    /// Unary: answers any request with 64 KiB (served by the backpressure tests' own server).
    static let large = "/test.v1.Test/Large"
    /// Streaming: sends ``TestServer/largeMessageSize``-byte messages until cancelled.
    static let largeForever = "/test.v1.Test/LargeForever"
}

/// Decodes a request only if it starts with the byte 0x01, to exercise INVALID_ARGUMENT.
struct StrictDeserializer: RPCDeserializer {
    struct Invalid: Error {}
    func deserialize(_ bytes: ByteBuffer) throws -> ByteBuffer {
        guard bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) == 1 else { throw Invalid() }
        return bytes
    }
}

/// A server on 127.0.0.1 with the test methods, and probes the tests observe.
struct TestServer {
    let server: RPCServer
    let started: EventCounter
    let cancelled: EventCounter
    let gate: Gate

    static let largeMessageSize = 64 * 1024

    var port: Int { server.localAddress?.port ?? 0 }

    static let quietLogger = Logger(label: "loom.rpc.test", factory: { _ in SwiftLogNoOpLogHandler() })

    static func start(
        port: Int = 0,
        security: RPCTransportSecurity = .insecure,
        configure: (inout RPCServer.Configuration) -> Void = { _ in }
    ) async throws -> TestServer {
        let started = EventCounter()
        let cancelled = EventCounter()
        let gate = Gate()
        let large = ByteBuffer(repeating: 0x4C, count: largeMessageSize)
        var router = RPCRouter()
        router.registerUnary(TestMethods.echo) { request, _ in request }
        router.registerUnary(TestMethods.hang) { _, _ in
            started.increment()
            do {
                try await Task.sleep(for: .seconds(3600))
            } catch {
                cancelled.increment()
                throw error
            }
            return ByteBuffer()
        }
        router.registerUnary(TestMethods.gated) { request, _ in
            started.increment()
            await gate.wait()
            return request
        }
        router.registerUnary(TestMethods.fail) { request, _ in
            switch String(buffer: request) {
            case "rpc": throw RPCError(code: .notFound, message: "run m/c not found", metadata: ["loom-run": "m/c"])
            case "convertible": throw RunConflictError()
            default: throw SecretError()
            }
        }
        router.registerServerStreaming(TestMethods.count) { request, _, writer in
            let count = Int(String(buffer: request)) ?? 0
            for index in 0..<count { try await writer.write(ByteBuffer(string: "\(index)")) }
        }
        router.registerServerStreaming(TestMethods.forever) { _, _, writer in
            var index = 0
            do {
                while true {
                    try await writer.write(ByteBuffer(string: "\(index)"))
                    index += 1
                }
            } catch {
                cancelled.increment()
                throw error
            }
        }
        router.registerServerStreaming(TestMethods.largeForever) { _, _, writer in
            do {
                while true {
                    try await writer.write(large)
                }
            } catch {
                cancelled.increment()
                throw error
            }
        }
        router.registerUnary(TestMethods.typed, deserializer: StrictDeserializer(), serializer: RPCRawBytesCoder()) { request, _ in
            request
        }
        router.registerUnary(TestMethods.whoAmI) { _, context in
            ByteBuffer(string: "\(context.peer.identity?.value ?? "anonymous")|\(context.metadata["x-caller"] ?? "")")
        }
        let configuration = RPCServer.Configuration.defaults(transportSecurity: security) {
            $0.maxConcurrentCallsPerConnection = 1024
            configure(&$0)
        }
        let server = try await RPCServer.bind(
            host: "127.0.0.1", port: port, router: router, configuration: configuration, logger: quietLogger
        )
        return TestServer(server: server, started: started, cancelled: cancelled, gate: gate)
    }

    func client(
        security: RPCTransportSecurity = .insecure,
        configure: (inout RPCClient.Configuration) -> Void = { _ in }
    ) -> RPCClient {
        RPCClient(
            host: "127.0.0.1",
            port: port,
            configuration: .defaults(transportSecurity: security, configure: configure),
            logger: Self.quietLogger
        )
    }
}

extension EmbeddedChannel {
    /// Every frame the handler under test wrote so far.
    func writtenRPCFrames() throws -> [RPCFrame] {
        var all = ByteBuffer()
        while var buffer = try readOutbound(as: ByteBuffer.self) { all.writeBuffer(&buffer) }
        var decoder = RPCFrameDecoder(maxMessageSize: 1 << 20)
        var frames: [RPCFrame] = []
        while let frame = try decoder.decode(buffer: &all) { frames.append(frame) }
        return frames
    }
}

extension ClientConnectionHandler {
    /// An `EmbeddedChannel` running a client connection handler (keepalive off unless given), connected.
    static func embedded(
        maxMessageSize: Int = 1024,
        keepalive: (interval: TimeAmount, timeout: TimeAmount)? = nil
    ) throws -> (EmbeddedChannel, ClientConnectionHandler) {
        let channel = EmbeddedChannel()
        let handler = ClientConnectionHandler(
            configuration: .init(
                maxMessageSize: maxMessageSize, keepaliveInterval: keepalive?.interval,
                keepaliveTimeout: keepalive?.timeout ?? .seconds(10)),
            logger: TestServer.quietLogger
        )
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
        return (channel, handler)
    }

    /// Starts a unary call with `request`, runs `then` (which feeds the channel), and returns the call's outcome.
    func unary(
        token: RPCCallToken = RPCCallToken(),
        request: String,
        then: () -> Void = {}
    ) async throws -> ByteBuffer {
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<ByteBuffer, any Error>) in
            startCall(
                token: token, method: TestMethods.echo, request: ByteBuffer(string: request), timeout: nil,
                metadata: [:], sink: .unary(continuation)
            )
            then()
        }
    }
}

