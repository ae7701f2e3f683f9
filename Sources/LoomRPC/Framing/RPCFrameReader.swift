import NIOCore

/// Splits the bytes a connection reads into frames, one frame at a time.
///
/// Connection handlers take frames from it in a loop and may stop in the middle of a read (the rest stays buffered)
/// while they must not produce more: a server whose peer does not read its responses. ``RPCFrameDecoder`` checks each
/// frame's size from its header, so what is buffered never exceeds one read plus one frame.
struct RPCFrameReader {
    private var decoder: RPCFrameDecoder
    private var buffer = ByteBuffer()

    init(maxMessageSize: Int) {
        decoder = RPCFrameDecoder(maxMessageSize: maxMessageSize)
    }

    /// Bytes read but not yet taken as frames.
    var bufferedBytes: Int { buffer.readableBytes }

    /// Adds bytes read from the connection. Bytes already taken are reclaimed here, once per read, not after
    /// every frame (each reclaim moves the rest of the buffer).
    mutating func append(_ bytes: ByteBuffer) {
        if buffer.readableBytes == 0 {
            buffer = bytes
        } else {
            if buffer.readerIndex > 0, decoder.shouldReclaimBytes(buffer: buffer) { buffer.discardReadBytes() }
            var bytes = bytes
            buffer.writeBuffer(&bytes)
        }
    }

    /// The next whole frame, or `nil` until more bytes arrive.
    /// - Throws: ``RPCProtocolError`` for bytes that are not a frame (unknown type, over the size limit, malformed).
    mutating func next() throws -> RPCFrame? {
        guard buffer.readableBytes > 0 else { return nil }
        return try decoder.decode(buffer: &buffer)
    }

    /// At end of stream, once every whole frame was taken: throws when bytes of an unfinished frame remain.
    /// - Throws: ``RPCProtocolError/truncatedFrame(bufferedBytes:)`` when a frame was cut short.
    mutating func checkEndOfStream() throws {
        _ = try decoder.decodeLast(buffer: &buffer, seenEOF: true)
    }
}
