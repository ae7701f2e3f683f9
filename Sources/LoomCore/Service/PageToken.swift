import Synchronization

/// Opaque, signed page tokens for paginated listings.
///
/// A token is `"p1." + base64url(payload) + "." + base64url(mac)` where `mac` is
/// HMAC-SHA256(key, `"p1." + payload`) and base64url has no padding (only canonical encodings
/// open). The payload holds the listing kind, the expiry and ordered key/value fields, each
/// string as a LEB128 byte length followed by its UTF-8 bytes, so any string value round-trips.
///
/// Clients cannot read or forge tokens in a useful way: the fields are only base64url-encoded
/// (do not put secrets in them), but any change breaks the MAC. ``open(_:kind:)`` checks the
/// signature and the kind; callers check the expiry and the fields themselves. Tokens longer
/// than ``maxTokenLength`` bytes never open, so keep sealed fields small (well under 1.5 KB in
/// total).
package struct PageTokenCodec: Sendable {
    /// The longest token (in UTF-8 bytes) that ``open(_:kind:)`` accepts.
    package static let maxTokenLength = 2048
    /// The version prefix of every token, also covered by the MAC.
    private static let prefix: [UInt8] = Array("p1.".utf8)
    /// Length of a base64url-encoded MAC (32 bytes, unpadded).
    private static let encodedMACLength = 43

    /// The HMAC key, its SHA-256 prefixes computed once.
    private let key: HMACSHA256.Key

    /// Creates a codec signing with `key`, which must be at least 32 bytes long.
    package init(key: [UInt8]) {
        precondition(key.count >= 32, "page token key must be at least 32 bytes")
        self.key = HMACSHA256.Key(key)
    }

    /// Seals `fields` (ordered key/value strings) for listing `kind` (e.g. "candidates",
    /// "runs"), valid until `expiresAt` (unix ms, 0 = never).
    ///
    /// Deterministic: the same inputs give the same token. When a key repeats, ``open(_:kind:)``
    /// returns the last value.
    package func seal(kind: String, fields: [(String, String)], expiresAt: Int64) -> String {
        var payload: [UInt8] = []
        Self.appendString(kind, to: &payload)
        let expiry = UInt64(bitPattern: expiresAt)
        for shift in stride(from: 56, through: 0, by: -8) { payload.append(UInt8(truncatingIfNeeded: expiry >> UInt64(shift))) }
        Self.appendVarint(UInt64(fields.count), to: &payload)
        for (name, value) in fields {
            Self.appendString(name, to: &payload)
            Self.appendString(value, to: &payload)
        }
        let mac = key.mac(Self.prefix + payload)
        var token = Self.prefix
        token.append(contentsOf: Base64URL.encode(payload))
        token.append(UInt8(ascii: "."))
        token.append(contentsOf: Base64URL.encode(mac))
        return String(decoding: token, as: UTF8.self)
    }

    /// Opens a token: nil when malformed, not signed by this key, for another kind, or longer
    /// than 2048 bytes; throws nothing. Returns the fields and expiry.
    ///
    /// Never crashes; work and memory are bounded by ``maxTokenLength`` whatever the input.
    /// The expiry is returned, not checked.
    package func open(_ token: String, kind: String) -> (fields: [String: String], expiresAt: Int64)? {
        guard token.utf8.count <= Self.maxTokenLength else { return nil }
        let bytes = Array(token.utf8)
        guard bytes.starts(with: Self.prefix) else { return nil }
        let body = bytes[Self.prefix.count...]
        guard let dot = body.firstIndex(of: UInt8(ascii: ".")) else { return nil }
        let encodedPayload = body[..<dot]
        let encodedMAC = body[(dot + 1)...]
        guard encodedMAC.count == Self.encodedMACLength,
            let payload = Base64URL.decode(encodedPayload),
            let mac = Base64URL.decode(encodedMAC)
        else { return nil }
        let expected = key.mac(Self.prefix + payload)
        guard HMACSHA256.constantTimeEquals(mac, expected) else { return nil }
        return Self.decodePayload(payload, kind: kind)
    }

    // MARK: Payload

    /// Appends `value` as unsigned LEB128 (7 bits per byte, least significant first).
    private static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        out.append(UInt8(rest))
    }

    /// Appends `text` as its UTF-8 byte length (LEB128) and bytes.
    private static func appendString(_ text: String, to out: inout [UInt8]) {
        let utf8 = text.utf8
        appendVarint(UInt64(utf8.count), to: &out)
        out.append(contentsOf: utf8)
    }

    /// Decodes a verified payload; nil when it is not for `kind` or not well-formed.
    private static func decodePayload(_ payload: [UInt8], kind: String) -> (fields: [String: String], expiresAt: Int64)? {
        var reader = Reader(bytes: payload)
        guard let kindBytes = reader.lengthPrefixed(), kindBytes.elementsEqual(kind.utf8) else { return nil }
        guard let expiry = reader.fixedUInt64(), let count = reader.varint() else { return nil }
        // Every field takes at least two bytes, so a larger count cannot be honest.
        guard count <= UInt64(reader.remaining / 2) else { return nil }
        var fields: [String: String] = [:]
        for _ in 0..<count {
            guard let name = reader.string(), let value = reader.string() else { return nil }
            fields[name] = value
        }
        guard reader.remaining == 0 else { return nil }
        return (fields, Int64(bitPattern: expiry))
    }

    /// A bounds-checked cursor over payload bytes; every read fails (nil) rather than trapping.
    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        var remaining: Int { bytes.count - position }

        /// An unsigned LEB128 value of at most 9 bytes, in its shortest encoding.
        mutating func varint() -> UInt64? {
            var value: UInt64 = 0
            for index in 0..<9 {
                guard position < bytes.count else { return nil }
                let byte = bytes[position]
                position += 1
                value |= UInt64(byte & 0x7f) << UInt64(7 * index)
                if byte & 0x80 == 0 {
                    // A trailing zero group would be a second, longer encoding of the same value.
                    return index > 0 && byte == 0 ? nil : value
                }
            }
            return nil
        }

        /// Eight bytes, big-endian.
        mutating func fixedUInt64() -> UInt64? {
            guard remaining >= 8 else { return nil }
            var value: UInt64 = 0
            for byte in bytes[position..<(position + 8)] { value = value << 8 | UInt64(byte) }
            position += 8
            return value
        }

        /// A length-prefixed byte string that fits in what is left.
        mutating func lengthPrefixed() -> ArraySlice<UInt8>? {
            guard let length = varint(), length <= UInt64(remaining) else { return nil }
            let end = position + Int(length)
            defer { position = end }
            return bytes[position..<end]
        }

        /// A length-prefixed string; nil when the bytes are not valid UTF-8.
        mutating func string() -> String? {
            guard let slice = lengthPrefixed() else { return nil }
            return String(validating: slice, as: UTF8.self)
        }
    }
}

/// The page-token codec of a service: fixed at start, or built once a key source has the key.
final class PageTokenKeys: Sendable {
    private let source: (@Sendable () -> [UInt8]?)?
    private let codec: Mutex<PageTokenCodec?>

    /// A fixed codec.
    init(codec: PageTokenCodec) {
        self.source = nil
        self.codec = Mutex(codec)
    }

    /// A codec built from the first key (≥ 32 bytes) `source` returns.
    init(source: @escaping @Sendable () -> [UInt8]?) {
        self.source = source
        self.codec = Mutex(nil)
    }

    /// The codec, or ``LoomError/callbackKeyNotLoaded`` while the source has no key yet.
    func current() throws(LoomError) -> PageTokenCodec {
        if let codec = codec.withLock({ $0 }) { return codec }
        guard let key = source?(), key.count >= 32 else { throw LoomError.callbackKeyNotLoaded }
        return codec.withLock { stored in
            if let stored { return stored }
            let made = PageTokenCodec(key: key)
            stored = made
            return made
        }
    }
}

extension Service {
    /// The page-token codec; throws ``LoomError/Code/notReady`` while its key is not loaded.
    var pageTokens: PageTokenCodec {
        get throws(LoomError) { try pageTokenKeys.current() }
    }
}
