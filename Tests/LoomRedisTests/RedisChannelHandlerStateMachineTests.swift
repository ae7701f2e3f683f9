import NIOCore
import NIOEmbedded
import Testing

@testable import LoomRedis

@Suite("Redis reply state machine")
struct RedisChannelHandlerStateMachineTests {
    typealias Machine = RedisChannelHandler.StateMachine
    let loop = EmbeddedEventLoop()

    @Test("replies go to requests in the order they were sent")
    func inOrder() throws {
        var machine = Machine()
        let first = loop.makePromise(of: RESPValue.self)
        let second = loop.makePromise(of: RESPValue.self)
        _ = machine.enqueue(.single(.promise(first)), deadline: nil, commandName: "GET")
        _ = machine.enqueue(.single(.promise(second)), deadline: nil, commandName: "GET")
        guard case .succeedSingle(.promise(let p1), .integer(1)) = machine.receivedReply(.integer(1)) else {
            Issue.record("first reply not matched"); return
        }
        #expect(p1.futureResult === first.futureResult)
        p1.succeed(.integer(1))
        guard case .succeedSingle(.promise(let p2), .integer(2)) = machine.receivedReply(.integer(2)) else {
            Issue.record("second reply not matched"); return
        }
        #expect(p2.futureResult === second.futureResult)
        p2.succeed(.integer(2))
        guard case .unexpected = machine.receivedReply(.integer(3)) else {
            Issue.record("a reply with nothing pending must be unexpected"); return
        }
    }

    @Test("a batch collects its replies and completes on the last one")
    func batch() {
        var machine = Machine()
        let promise = loop.makePromise(of: [RESPValue].self)
        _ = machine.enqueue(.batch(.promise(promise), replies: 3), deadline: nil, commandName: "MULTI")
        guard case .none = machine.receivedReply(.simpleString("OK")) else { Issue.record("early completion"); return }
        guard case .none = machine.receivedReply(.simpleString("QUEUED")) else { Issue.record("early completion"); return }
        guard case .succeedBatch(_, let replies) = machine.receivedReply(.array([])) else {
            Issue.record("batch not completed"); return
        }
        #expect(replies == [.simpleString("OK"), .simpleString("QUEUED"), .array([])])
        promise.succeed(replies)
    }

    @Test("a timed-out request keeps its slot, so its late reply is dropped and the next request gets its own")
    func timeoutKeepsOrder() {
        var machine = Machine()
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        let slow = loop.makePromise(of: RESPValue.self)
        let next = loop.makePromise(of: RESPValue.self)
        guard case .write(let timer) = machine.enqueue(.single(.promise(slow)), deadline: start + .seconds(1), commandName: "DEBUG")
        else { Issue.record("enqueue failed"); return }
        #expect(timer == start + .seconds(1))
        guard case .write(nil) = machine.enqueue(.single(.promise(next)), deadline: start + .seconds(5), commandName: "GET") else {
            Issue.record("a second timer must not be scheduled"); return
        }
        let (expired, nextFire) = machine.timerFired(now: start + .seconds(2))
        #expect(expired.map(\.commandName) == ["DEBUG"])
        #expect(nextFire == start + .seconds(5))
        expired.forEach { $0.fail(RedisError(.timeout, "test")) }
        guard case .none = machine.receivedReply(.simpleString("late")) else { Issue.record("late reply delivered"); return }
        guard case .succeedSingle(.promise(let promise), .simpleString("mine")) = machine.receivedReply(.simpleString("mine")) else {
            Issue.record("next request did not get its reply"); return
        }
        #expect(promise.futureResult === next.futureResult)
        promise.succeed(.null)
    }

    @Test("closing fails every live request and rejects new ones")
    func closed() {
        var machine = Machine()
        let promise = loop.makePromise(of: RESPValue.self)
        _ = machine.enqueue(.single(.promise(promise)), deadline: nil, commandName: "GET")
        let live = machine.closed(RedisError(.connectionClosed, "gone"))
        #expect(live.count == 1)
        live.forEach { $0.fail(RedisError(.connectionClosed, "gone")) }
        let late = loop.makePromise(of: RESPValue.self)
        guard case .fail(let error) = machine.enqueue(.single(.promise(late)), deadline: nil, commandName: "GET") else {
            Issue.record("a closed machine accepted a request"); return
        }
        #expect(error.code == .connectionClosed)
        late.fail(error)
    }
}

@Suite("Redis channel handler")
struct RedisChannelHandlerTests {
    @Test("garbage from the peer fails the pending command with a protocol error and closes the channel")
    func garbage() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(RedisChannelHandler())
        try channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        channel.writeAndFlush(RedisOutbound(kind: .single(RedisCommand("PING"), .promise(promise)), deadline: nil), promise: nil)
        #expect(String(buffer: try #require(try channel.readOutbound(as: ByteBuffer.self))) == "*1\r\n$4\r\nPING\r\n")
        // The handler consumes the decoding error (it does not propagate further down the pipeline).
        try channel.writeInbound(ByteBuffer(string: "SSH-2.0-OpenSSH\r\n"))
        #expect {
            _ = try promise.futureResult.wait()
        } throws: { ($0 as? RedisError)?.code == .protocolViolation }
        #expect(!channel.isActive)
    }

    @Test("an unsolicited reply is a protocol error")
    func unsolicited() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(RedisChannelHandler())
        try channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.writeInbound(ByteBuffer(string: "+OK\r\n"))
        #expect(!channel.isActive)
    }

    @Test("replies split at every byte, and several replies in one read, each reach their command")
    func splitAndCoalescedReplies() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(RedisChannelHandler())
        try channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let promises = (0..<4).map { _ in channel.eventLoop.makePromise(of: RESPValue.self) }
        for promise in promises {
            channel.writeAndFlush(RedisOutbound(kind: .single(RedisCommand("GET", "k"), .promise(promise)), deadline: nil), promise: nil)
        }
        // The first two byte by byte, the last two (and the start of nothing else) in one read.
        for byte in "$5\r\nhello\r\n*2\r\n:1\r\n_\r\n".utf8 { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        try channel.writeInbound(ByteBuffer(string: "+OK\r\n-ERR no\r\n"))
        #expect(try promises[0].futureResult.wait() == .bulk("hello"))
        #expect(try promises[1].futureResult.wait() == .array([.integer(1), .null]))
        #expect(try promises[2].futureResult.wait() == .simpleString("OK"))
        #expect(try promises[3].futureResult.wait() == .error("ERR no"))
        #expect(channel.isActive)
        _ = try channel.finish(acceptAlreadyClosed: true)
    }

    @Test("RESP3 pushes outside pub/sub are not taken for replies")
    func pushIsNotAReply() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(RedisChannelHandler())
        try channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        channel.writeAndFlush(RedisOutbound(kind: .single(RedisCommand("GET", "k"), .promise(promise)), deadline: nil), promise: nil)
        try channel.writeInbound(ByteBuffer(string: ">2\r\n+invalidate\r\n*1\r\n+k\r\n$1\r\nv\r\n"))
        #expect(try promise.futureResult.wait() == .bulk("v"))
        _ = try channel.finish(acceptAlreadyClosed: true)
    }
}
