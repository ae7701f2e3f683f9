import NIOCore

@testable import LoomRPC

/// The harness of the `rpc-frame` fuzz target: bytes a peer sends, split into frames by ``RPCFrameReader`` (the
/// reader both connection handlers use).
///
/// Input: the first byte picks the size of the reads the bytes arrive in (1…256); the rest is the byte stream.
/// Checked, besides "never traps": the frames and the error do not depend on how the stream is cut into reads, and
/// every frame decoded re-encodes to bytes that decode to the same frame.
///
/// This file is also compiled into the fuzzer (`Fuzz/Sources/FuzzRPCFrame` links it): no test-only code here.
enum RPCFrameFuzzer {
    /// Small, so that the fuzzer reaches the size limit with inputs of a few hundred bytes.
    static let maxMessageSize = 512

    struct Outcome: Equatable {
        var frames: [RPCFrame] = []
        var error: RPCProtocolError?
    }

    static func run(_ input: UnsafeRawBufferPointer) {
        guard let first = input.first else { return }
        let stream = ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: input.dropFirst()))
        let whole = read(stream, readSize: max(stream.readableBytes, 1))
        let pieces = read(stream, readSize: Int(first) + 1)
        precondition(whole == pieces, "the frames depend on the read size \(Int(first) + 1): \(whole) vs \(pieces)")
        for frame in whole.frames {
            var encoded = ByteBuffer()
            encoded.writeRPCFrame(frame)
            var reader = RPCFrameReader(maxMessageSize: .max)
            reader.append(encoded)
            let again = try? reader.next()
            precondition(again == frame, "\(frame) re-encodes to a different frame: \(String(describing: again))")
            precondition(reader.bufferedBytes == 0, "\(frame) re-encodes with trailing bytes")
        }
    }

    /// Feeds `stream` in reads of `readSize` bytes, taking every whole frame after each read, then ends the stream.
    static func read(_ stream: ByteBuffer, readSize: Int) -> Outcome {
        var outcome = Outcome()
        var reader = RPCFrameReader(maxMessageSize: maxMessageSize)
        var rest = stream
        do {
            while let chunk = rest.readSlice(length: min(readSize, rest.readableBytes)), chunk.readableBytes > 0 {
                reader.append(chunk)
                while let frame = try reader.next() { outcome.frames.append(frame) }
            }
            try reader.checkEndOfStream()
        } catch let error as RPCProtocolError {
            outcome.error = error
        } catch {
            preconditionFailure("the frame reader threw \(error), not an RPCProtocolError")
        }
        return outcome
    }
}
