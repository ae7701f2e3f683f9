/// A Loom protobuf message: a Swift value type that encodes to, and decodes from,
/// standard proto3 wire bytes through libprotobuf-c's generated code.
///
/// Every message of `Protos/loom/v1/loom.proto` conforms; nothing outside LoomProto can
/// (``LoomMessageCodec`` has no public initialiser).
///
/// ### Decoding
/// ```swift
/// let run = try buffer.withUnsafeReadableBytes { try Run(decoding: $0, maxSize: limit) }
/// ```
/// The size limit is checked before parsing. Decoding throws ``ProtoCodecError`` for any
/// input that is not a valid encoding; it never traps and frees everything it allocated.
/// Unknown fields are skipped (they are not kept for re-encoding).
///
/// ### Encoding
/// ``encoded()`` returns the bytes; ``encode(_:)`` lets the caller supply the storage,
/// so a NIO `ByteBuffer` is written without an intermediate array:
/// ```swift
/// message.encode { size, fill in
///     buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { fill($0) }
/// }
/// ```
/// Map entries are written in key order, so equal messages encode to equal bytes.
/// Strings are handed to C as NUL-terminated strings: a string containing U+0000 is cut
/// at that character when encoded (decoding rejects such strings, so they never arrive
/// from the wire).
public protocol LoomMessage: Sendable, Hashable {
    /// The fully qualified protobuf name, e.g. `loom.v1.Migration`.
    static var protoName: String { get }

    /// The libprotobuf-c functions for this message; an implementation detail of LoomProto.
    static var _codec: LoomMessageCodec<Self> { get }
}

extension LoomMessage {
    /// The default largest encoding ``init(decoding:maxSize:)`` accepts: 4 MiB, the RPC
    /// protocol's default maximum frame size.
    public static var defaultMaxSize: Int { 4 * 1024 * 1024 }

    /// Decodes a message from its protobuf encoding.
    ///
    /// - Parameters:
    ///   - bytes: The encoding; read only during the call (no copy is kept).
    ///   - maxSize: The largest encoding accepted, in bytes; checked before any parsing.
    /// - Throws: ``ProtoCodecError`` when the bytes are too large or not a valid encoding.
    public init(decoding bytes: UnsafeRawBufferPointer, maxSize: Int = Self.defaultMaxSize) throws(ProtoCodecError) {
        guard bytes.count <= maxSize else {
            throw .tooLarge(Self.protoName, size: bytes.count, limit: maxSize)
        }
        do {
            self = try Self._codec.decode(bytes)
        } catch {
            throw error.codecError(messageName: Self.protoName)
        }
    }

    /// Decodes a message from its protobuf encoding in an array.
    ///
    /// - Parameters:
    ///   - bytes: The encoding.
    ///   - maxSize: The largest encoding accepted, in bytes; checked before any parsing.
    /// - Throws: ``ProtoCodecError`` when the bytes are too large or not a valid encoding.
    public init(decoding bytes: [UInt8], maxSize: Int = Self.defaultMaxSize) throws(ProtoCodecError) {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(ProtoCodecError) -> Self in try Self(decoding: raw, maxSize: maxSize) }
        }
        self = try result.get()
    }

    /// The protobuf encoding of this message.
    public func encoded() -> [UInt8] {
        encode { size, fill in
            [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                initialized = fill(UnsafeMutableRawBufferPointer(buffer))
            }
        }
    }

    /// The size of ``encoded()`` in bytes (computed by converting the message, without packing it).
    public var encodedSize: Int {
        encode { size, _ in size }
    }

    /// Encodes into storage the caller provides, converting the message to C only once.
    ///
    /// - Parameter write: Called once with the exact encoded size and a `fill` function
    ///   that packs the message into a buffer of at least `size` bytes and returns the
    ///   number of bytes written (always `size`). `fill` may be called at most once and
    ///   only during `write`; a smaller buffer is a programming error and traps.
    /// - Returns: What `write` returns.
    public func encode<Result, Failure: Error>(
        _ write: (_ size: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Int) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let arena = LoweringArena()
        let lowered = Self._codec.lower(self, arena)
        return try withExtendedLifetime(arena) { () throws(Failure) -> Result in
            try write(lowered.size) { buffer in
                precondition(buffer.count >= lowered.size, "buffer of \(buffer.count) bytes for \(lowered.size)")
                guard lowered.size > 0, let base = buffer.baseAddress else { return 0 }
                return lowered.pack(base.assumingMemoryBound(to: UInt8.self))
            }
        }
    }
}
