import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@testable import LoomRPC

@Suite("RPC frame decoder")
struct RPCFrameDecoderTests {
    static let sampleFrames: [RPCFrame] = [
        .callStart(
            .init(callID: 1, method: "/loom.v1.Loom/GetRun", timeout: .milliseconds(1500), metadata: ["x-request-id": "abc"])
        ),
        .callStart(.init(callID: 7, method: "/loom.v1.Loom/WatchRun", timeout: nil, metadata: [:])),
        .message(callID: 1, ByteBuffer(bytes: [0x0A, 0x03, 0x61, 0x62, 0x63])),
        .message(callID: 3, ByteBuffer()),
        .status(callID: 1, RPCStatus(code: .notFound, message: "run m/c not found"), ["retry-after": "5"]),
        .status(callID: 2, .ok, [:]),
        .cancel(callID: 9),
        .ping(0x0102_0304_0506_0708),
        .pong(42),
        .goAway(.init(lastCallID: 11, reason: .noError, message: "draining")),
    ]

    static func encode(_ frame: RPCFrame) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeRPCFrame(frame)
        return buffer
    }

    static func decodeAll(_ bytes: ByteBuffer, maxMessageSize: Int = 1024) throws -> [RPCFrame] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RPCFrameDecoder(maxMessageSize: maxMessageSize)))
        defer { _ = try? channel.finish() }
        try channel.writeInbound(bytes)
        var frames: [RPCFrame] = []
        while let frame = try channel.readInbound(as: RPCFrame.self) { frames.append(frame) }
        return frames
    }

    @Test("decodes every frame type byte by byte, coalesced and one by one")
    func verifier() throws {
        let pairs = Self.sampleFrames.map { (Self.encode($0), [$0]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { RPCFrameDecoder(maxMessageSize: 1024) }
    }

    @Test("splits many frames delivered in one buffer")
    func coalesced() throws {
        var all = ByteBuffer()
        for frame in Self.sampleFrames { all.writeRPCFrame(frame) }
        #expect(try Self.decodeAll(all) == Self.sampleFrames)
    }

    @Test("the header layout is length, type, flags, call id, big endian")
    func headerLayout() {
        let bytes = Array(Self.encode(.message(callID: 0x0102_0304, ByteBuffer(bytes: [0xAA, 0xBB]))).readableBytesView)
        #expect(bytes == [0, 0, 0, 2, 0x02, 0x00, 0x01, 0x02, 0x03, 0x04, 0xAA, 0xBB])
    }

    @Test("waits for a partial frame without consuming it")
    func partial() throws {
        var decoder = RPCFrameDecoder(maxMessageSize: 1024)
        var full = Self.encode(.message(callID: 5, ByteBuffer(bytes: Array(repeating: 7, count: 100))))
        var partial = full.readSlice(length: 50)!
        #expect(try decoder.decode(buffer: &partial) == nil)
        #expect(partial.readableBytes == 50)
    }

    @Test("rejects an oversized frame from its header alone, before the payload arrives")
    func oversized() throws {
        var decoder = RPCFrameDecoder(maxMessageSize: 1024)
        var header = ByteBuffer()
        header.writeInteger(UInt32(1025))
        header.writeInteger(RPCFrame.FrameType.message.rawValue)
        header.writeInteger(UInt8(0))
        header.writeInteger(UInt32(1))
        #expect(throws: RPCProtocolError.frameTooLarge(type: 2, size: 1025, limit: 1024)) {
            try decoder.decode(buffer: &header)
        }
    }

    @Test("limits control frames to 64 KiB whatever the message limit")
    func controlLimit() throws {
        var decoder = RPCFrameDecoder(maxMessageSize: 16 * 1024 * 1024)
        var header = ByteBuffer()
        header.writeInteger(UInt32(RPCFrame.maxControlFrameSize + 1))
        header.writeInteger(RPCFrame.FrameType.callStart.rawValue)
        header.writeInteger(UInt8(0))
        header.writeInteger(UInt32(1))
        #expect(throws: RPCProtocolError.self) { try decoder.decode(buffer: &header) }
    }

    @Test("a connection that ends inside a frame is a truncated-frame error")
    func truncated() throws {
        var decoder = RPCFrameDecoder(maxMessageSize: 1024)
        var bytes = Self.encode(.status(callID: 1, .ok, [:]))
        bytes.moveWriterIndex(to: bytes.writerIndex - 2)
        #expect(throws: RPCProtocolError.truncatedFrame(bufferedBytes: bytes.readableBytes)) {
            try decoder.decodeLast(buffer: &bytes, seenEOF: true)
        }
    }

    @Test("rejects unknown frame types", arguments: [UInt8(0), 8, 0x7F, 0xFF])
    func unknownType(type: UInt8) throws {
        var decoder = RPCFrameDecoder(maxMessageSize: 1024)
        var bytes = ByteBuffer()
        bytes.writeInteger(UInt32(0))
        bytes.writeInteger(type)
        bytes.writeInteger(UInt8(0))
        bytes.writeInteger(UInt32(1))
        #expect(throws: RPCProtocolError.unknownFrameType(type)) { try decoder.decode(buffer: &bytes) }
    }

    @Test(
        "rejects malformed payloads",
        arguments: [
            // CANCEL with a payload
            [0, 0, 0, 1, 0x04, 0, 0, 0, 0, 1, 0xFF],
            // PING with 4 bytes
            [0, 0, 0, 4, 0x05, 0, 0, 0, 0, 0, 1, 2, 3, 4],
            // call frame with call id 0
            [0, 0, 0, 0, 0x02, 0, 0, 0, 0, 0],
            // PING with a non-zero call id
            [0, 0, 0, 8, 0x05, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8],
            // CALL_START whose method length runs past the payload
            [0, 0, 0, 11, 0x01, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0x41],
            // STATUS with invalid UTF-8 in its message
            [0, 0, 0, 6, 0x03, 0, 0, 0, 0, 1, 0, 0, 1, 0xFF, 0, 0],
        ] as [[UInt8]]
    )
    func malformed(bytes: [UInt8]) throws {
        var decoder = RPCFrameDecoder(maxMessageSize: 1024)
        var buffer = ByteBuffer(bytes: bytes)
        #expect(throws: RPCProtocolError.self) { try decoder.decode(buffer: &buffer) }
    }

    @Test("rejects metadata keys outside the allowed alphabet")
    func badMetadataKey() throws {
        var frame = Self.encode(.callStart(.init(callID: 1, method: "/m", timeout: nil, metadata: ["ok": "v"])))
        // The key "ok" sits after header(10) + timeout(8) + method(2+2) + count(2) + key length(2).
        frame.setInteger(UInt8(ascii: " "), at: 10 + 8 + 4 + 2 + 2)
        var decoder = RPCFrameDecoder(maxMessageSize: 1024)
        #expect(throws: RPCProtocolError.self) { try decoder.decode(buffer: &frame) }
    }

    /// Found by the rpc-frame fuzz target (Fuzz/Regressions/rpc-frame/): encoding the longest timeout trapped.
    @Test("the longest timeouts encode without overflow, rounded up to whole microseconds")
    func longestTimeouts() throws {
        func micros(_ timeout: TimeAmount) -> UInt64? {
            Self.encode(.callStart(.init(callID: 1, method: "/m", timeout: timeout, metadata: [:]))).getInteger(at: 10)
        }
        #expect(micros(.nanoseconds(.max)) == UInt64(Int64.max / 1000) + 1)
        #expect(micros(.nanoseconds(Int64.max - 807)) == UInt64(Int64.max / 1000))
        #expect(micros(.nanoseconds(1)) == 1)
        #expect(micros(.nanoseconds(0)) == 1, "0 on the wire means no deadline")
        #expect(micros(.nanoseconds(-5)) == 1)
        // The decoder clamps a timeout beyond what TimeAmount holds; the clamped value encodes back unchanged.
        var wire = Self.encode(.callStart(.init(callID: 1, method: "/m", timeout: .seconds(1), metadata: [:])))
        wire.setInteger(UInt64.max, at: 10)
        let decoded = try #require(try Self.decodeAll(wire).first)
        #expect(try Self.decodeAll(Self.encode(decoded)) == [decoded])
    }

    @Test("maps a status code it does not know to UNKNOWN")
    func unknownStatusCode() throws {
        var frame = Self.encode(.status(callID: 1, .ok, [:]))
        frame.setInteger(UInt8(200), at: 10)
        #expect(try Self.decodeAll(frame) == [.status(callID: 1, RPCStatus(code: .unknown), [:])])
    }
}

@Suite("Wire spec example (Protos/README.md section 7)")
struct WireSpecExampleTests {
    static func hex(_ text: String) -> [UInt8] {
        text.split(separator: " ").map { UInt8($0, radix: 16)! }
    }

    @Test("the documented CALL_START, MESSAGE and STATUS bytes are exactly what the encoder writes")
    func workedExample() throws {
        var encoded = ByteBuffer()
        encoded.writeRPCFrame(
            .callStart(.init(callID: 1, method: "/loom.v1.Loom/GetRun", timeout: .seconds(2), metadata: ["x-request-id": "7"]))
        )
        #expect(
            Array(encoded.readableBytesView)
                == Self.hex(
                    "00 00 00 31 01 00 00 00 00 01 00 00 00 00 00 1E 84 80 00 14 2F 6C 6F 6F 6D 2E 76 31 2E 4C 6F 6F 6D 2F 47 65 74 52 75 6E 00 01 00 0C 78 2D 72 65 71 75 65 73 74 2D 69 64 00 01 37"
                )
        )
        var message = ByteBuffer()
        message.writeRPCFrame(.message(callID: 1, ByteBuffer(bytes: [0x0A, 0x01, 0x6D])))
        #expect(Array(message.readableBytesView) == Self.hex("00 00 00 03 02 00 00 00 00 01 0A 01 6D"))
        var ok = ByteBuffer()
        ok.writeRPCFrame(.status(callID: 1, .ok, [:]))
        #expect(Array(ok.readableBytesView) == Self.hex("00 00 00 05 03 00 00 00 00 01 00 00 00 00 00"))
        var notFound = ByteBuffer()
        notFound.writeRPCFrame(.status(callID: 1, RPCStatus(code: .notFound, message: "run not found"), [:]))
        #expect(
            Array(notFound.readableBytesView)
                == Self.hex("00 00 00 12 03 00 00 00 00 01 05 00 0D 72 75 6E 20 6E 6F 74 20 66 6F 75 6E 64 00 00")
        )
    }
}
