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
/// The size limit is checked before parsing, then a scan of the bytes checks the bounds of
/// ``DecodeLimits`` (elements per repeated field, unknown fields, nesting, decoded size) before
/// protobuf-c allocates anything. Decoding throws ``ProtoCodecError`` for any input that is not
/// a valid encoding or breaks a bound; it never traps and frees everything it allocated.
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
    ///   - limits: The bounds checked by a scan of the bytes before anything is allocated.
    /// - Throws: ``ProtoCodecError`` when the bytes are too large, break a bound or are not a valid encoding.
    public init(
        decoding bytes: UnsafeRawBufferPointer,
        maxSize: Int = Self.defaultMaxSize,
        limits: DecodeLimits = .default
    ) throws(ProtoCodecError) {
        _ = try Self.decodeCost(of: bytes, maxSize: maxSize, limits: limits)
        self = try Self.unpack(bytes)
    }

    /// Decodes a message from its protobuf encoding, asking `admit` between the checks and the
    /// allocations: a server reserves the memory the decode takes, or refuses it, there.
    ///
    /// - Parameters:
    ///   - bytes: The encoding; read only during the call (no copy is kept).
    ///   - maxSize: The largest encoding accepted, in bytes; checked before any parsing.
    ///   - limits: The bounds checked by a scan of the bytes before anything is allocated.
    ///   - admit: Called once the bytes passed the checks, with what decoding them takes, before
    ///     anything is allocated. An error it throws is rethrown unchanged, and nothing is decoded.
    /// - Throws: ``ProtoCodecError`` as ``init(decoding:maxSize:limits:)``, or what `admit` throws.
    public init(
        decoding bytes: UnsafeRawBufferPointer,
        maxSize: Int = Self.defaultMaxSize,
        limits: DecodeLimits = .default,
        admit: (DecodeCost) throws -> Void
    ) throws {
        try admit(try Self.decodeCost(of: bytes, maxSize: maxSize, limits: limits))
        self = try Self.unpack(bytes)
    }

    /// Checks an encoding against the size limit and the bounds of `limits`, and estimates what
    /// decoding it takes, without allocating anything.
    ///
    /// - Parameters:
    ///   - bytes: The encoding.
    ///   - maxSize: The largest encoding accepted, in bytes.
    ///   - limits: The bounds to check.
    /// - Returns: The size of the encoding and the estimate of the memory decoding takes.
    /// - Throws: ``ProtoCodecError`` when the bytes are too large, break a bound or are not a valid
    ///   encoding as far as a scan can tell (invalid UTF-8 is only found by decoding).
    public static func decodeCost(
        of bytes: UnsafeRawBufferPointer,
        maxSize: Int = Self.defaultMaxSize,
        limits: DecodeLimits = .default
    ) throws(ProtoCodecError) -> DecodeCost {
        guard bytes.count <= maxSize else {
            throw .tooLarge(Self.protoName, size: bytes.count, limit: maxSize)
        }
        return try Self._codec.schema.scan(bytes, limits: limits, messageName: Self.protoName)
    }

    /// Unpacks bytes that passed ``decodeCost(of:maxSize:limits:)`` and converts them to Swift.
    private static func unpack(_ bytes: UnsafeRawBufferPointer) throws(ProtoCodecError) -> Self {
        do {
            return try Self._codec.decode(bytes)
        } catch {
            throw error.codecError(messageName: Self.protoName)
        }
    }

    /// Decodes a message from its protobuf encoding in an array.
    ///
    /// - Parameters:
    ///   - bytes: The encoding.
    ///   - maxSize: The largest encoding accepted, in bytes; checked before any parsing.
    ///   - limits: The bounds checked by a scan of the bytes before anything is allocated.
    /// - Throws: ``ProtoCodecError`` when the bytes are too large, break a bound or are not a valid encoding.
    public init(decoding bytes: [UInt8], maxSize: Int = Self.defaultMaxSize, limits: DecodeLimits = .default) throws(ProtoCodecError) {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(ProtoCodecError) -> Self in try Self(decoding: raw, maxSize: maxSize, limits: limits) }
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
