import LoomRedis
import NIOCore

/// The harness of the `resp-decoder` fuzz target: Redis replies into ``RESPDecoder``.
///
/// Input: the low 7 bits of the first byte pick the size of the reads the bytes arrive in (1…128), the high bit the
/// limits (the defaults, or ``smallLimits`` that inputs of a few hundred bytes can exceed); the rest is the stream.
/// Checked, besides "never traps": an error is a protocol violation; a value always consumes bytes; the values and
/// the error do not depend on how the stream is cut into reads.
///
/// This file is also compiled into the fuzzer (`Fuzz/Sources/FuzzRESPDecoder` links it): no test-only code here.
enum RESPDecoderFuzzer {
    static let smallLimits = RESPDecoder.Limits(maxBulkLength: 64, maxAggregateCount: 16, maxDepth: 4, maxLineLength: 32)

    struct Outcome: Equatable {
        var values: [RESPValue] = []
        var failed = false
    }

    static func run(_ input: UnsafeRawBufferPointer) {
        guard let first = input.first else { return }
        let limits = first & 0x80 != 0 ? smallLimits : RESPDecoder.Limits()
        let stream = ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: input.dropFirst()))
        let whole = decode(stream, readSize: max(stream.readableBytes, 1), limits: limits)
        let pieces = decode(stream, readSize: Int(first & 0x7F) + 1, limits: limits)
        precondition(
            whole.values.map(comparable) == pieces.values.map(comparable) && whole.failed == pieces.failed,
            "the replies depend on the read size \(Int(first & 0x7F) + 1): \(whole) vs \(pieces)"
        )
    }

    /// Feeds `stream` in reads of `readSize` bytes, decoding every whole value after each read.
    static func decode(_ stream: ByteBuffer, readSize: Int, limits: RESPDecoder.Limits) -> Outcome {
        let decoder = RESPDecoder(limits: limits)
        var outcome = Outcome()
        var buffered = ByteBuffer()
        var rest = stream
        do {
            while var chunk = rest.readSlice(length: min(readSize, rest.readableBytes)), chunk.readableBytes > 0 {
                buffered.writeBuffer(&chunk)
                while buffered.readableBytes > 0 {
                    let before = buffered.readableBytes
                    guard let value = try decoder.next(from: &buffered) else {
                        precondition(buffered.readableBytes == before, "an incomplete value consumed bytes")
                        break
                    }
                    precondition(buffered.readableBytes < before, "a value consumed no bytes")
                    outcome.values.append(value)
                }
            }
        } catch let error as RedisError {
            precondition(error.code == .protocolViolation, "the decoder threw \(error), not a protocol violation")
            outcome.failed = true
        } catch {
            preconditionFailure("the decoder threw \(error), not a RedisError")
        }
        return outcome
    }

    /// `value` with NaN doubles replaced by a marker, so that equal decodings compare equal (NaN ≠ NaN).
    static func comparable(_ value: RESPValue) -> RESPValue {
        switch value {
        case .double(let double) where double.isNaN: .bigNumber("NaN")
        case .array(let values): .array(values.map(comparable))
        case .set(let values): .set(values.map(comparable))
        case .push(let values): .push(values.map(comparable))
        case .map(let pairs): .map(pairs.map(comparable))
        case .attributed(let attributes, let value): .attributed(attributes: attributes.map(comparable), value: comparable(value))
        case .simpleString, .error, .integer, .bulkString, .null, .double, .boolean, .bigNumber, .verbatimString: value
        }
    }

    private static func comparable(_ pair: RESPPair) -> RESPPair {
        RESPPair(key: comparable(pair.key), value: comparable(pair.value))
    }
}
