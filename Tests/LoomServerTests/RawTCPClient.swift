import Foundation
import LoomTestSupport
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A plain TCP connection to a listener of an in-process server: sends bytes, waits for bytes, reports when the
/// server closes it. Speaks just enough of the RPC framing (PING) and HTTP/1.1 (one GET) for the limit tests.
final class RawTCPClient: Sendable {
    private struct State {
        var received = ByteBuffer()
        var waiters: [(condition: @Sendable (ByteBuffer) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
    }

    let channel: any Channel
    private let state: NIOLockedValueBox<State>

    private init(channel: any Channel, state: NIOLockedValueBox<State>) {
        self.channel = channel
        self.state = state
    }

    /// Connects to `127.0.0.1:port`.
    static func open(port: Int) async throws -> RawTCPClient {
        let state = NIOLockedValueBox(State())
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Receiver(state: state)) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawTCPClient(channel: channel, state: state)
    }

    /// Sends an RPC PING (`loom/1` framing) and returns once its PONG is back: the server serves this connection.
    func ping() async throws {
        let opaque = UInt64.random(in: 1...UInt64.max)
        var frame = ByteBuffer()
        frame.writeInteger(UInt32(8))
        frame.writeInteger(UInt8(0x05))  // PING
        frame.writeInteger(UInt8(0))
        frame.writeInteger(UInt32(0))
        frame.writeInteger(opaque)
        var pong = ByteBuffer()
        pong.writeInteger(UInt32(8))
        pong.writeInteger(UInt8(0x06))  // PONG
        pong.writeInteger(UInt8(0))
        pong.writeInteger(UInt32(0))
        pong.writeInteger(opaque)
        let expected = Array(pong.readableBytesView)
        try await exchange(frame, "no PONG") { received in
            received.readableBytesView.withContiguousStorageIfAvailable { bytes in
                bytes.count >= expected.count && (0...(bytes.count - expected.count)).contains { Array(bytes[$0..<($0 + expected.count)]) == expected }
            } ?? false
        }
    }

    /// Sends `GET path` on this (kept-alive) connection and returns the status code and body of its response.
    func get(_ path: String) async throws -> (status: Int, body: String) {
        let start = state.withLockedValue { $0.received.writerIndex }
        try await exchange(ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: loom\r\n\r\n"), "no response to GET \(path)") { received in
            Self.response(in: received, from: start) != nil
        }
        return try state.withLockedValue { state in
            guard let response = Self.response(in: state.received, from: start) else { throw TimeLimitExceeded(description: "no response") }
            return response
        }
    }

    /// Returns once the server has closed the connection; throws if it has not within `limit`.
    func waitClosed(within limit: Duration = .seconds(10)) async throws {
        let channel = self.channel
        try await withTimeLimit(limit, "the server did not close the connection") { try? await channel.closeFuture.get() }
    }

    func close() async {
        try? await channel.close()
    }

    private func exchange(_ bytes: ByteBuffer, _ what: String, until condition: @escaping @Sendable (ByteBuffer) -> Bool) async throws {
        let state = self.state
        let arrived = Task {
            await withCheckedContinuation { continuation in
                let ready = state.withLockedValue { state -> Bool in
                    if condition(state.received) { return true }
                    state.waiters.append((condition, continuation))
                    return false
                }
                if ready { continuation.resume() }
            }
        }
        try await channel.writeAndFlush(bytes)
        try await withTimeLimit(.seconds(10), what) { await arrived.value }
    }

    /// The first whole HTTP response received at or after `offset`, if any.
    private static func response(in received: ByteBuffer, from offset: Int) -> (status: Int, body: String)? {
        guard let text = received.getString(at: offset, length: received.writerIndex - offset),
            let headerEnd = text.range(of: "\r\n\r\n")
        else { return nil }
        let head = text[..<headerEnd.lowerBound]
        let statusLine = head.prefix { $0 != "\r" }.split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        let length = head.split(separator: "\r\n").compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }.first ?? 0
        let body = text[headerEnd.upperBound...]
        guard body.utf8.count >= length else { return nil }
        return (status, String(body.utf8.prefix(length)) ?? "")
    }

    private final class Receiver: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let state: NIOLockedValueBox<State>

        init(state: NIOLockedValueBox<State>) {
            self.state = state
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = Self.unwrapInboundIn(data)
            let ready = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
                state.received.writeBuffer(&bytes)
                let received = state.received
                let ready = state.waiters.filter { $0.condition(received) }.map(\.continuation)
                state.waiters.removeAll { $0.condition(received) }
                return ready
            }
            for continuation in ready { continuation.resume() }
        }
    }
}

