/// SHA-256 (FIPS 180-4, RFC 6234) in pure Swift, so LoomCore needs no crypto library.
///
/// Processes 64-byte blocks with `UInt32` wrapping arithmetic; hashing allocates only the
/// partial-block buffer and the digest, never per byte.
package enum SHA256 {
    /// Length of a digest in bytes.
    package static let digestByteCount = 32
    /// Length of one compression block in bytes.
    package static let blockByteCount = 64

    /// The SHA-256 digest (32 bytes) of `bytes`.
    package static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var context = Context()
        context.update(bytes)
        return context.finalize()
    }

    /// An incremental SHA-256 computation: feed bytes with ``update(_:)``, then ``finalize()``.
    ///
    /// A value type: copying a context forks the computation (HMAC uses this to reuse the
    /// keyed prefix).
    package struct Context: Sendable {
        /// The eight working hash words.
        private var state = State()
        /// Bytes of the current, incomplete block (always fewer than 64 between calls).
        private var buffer: [UInt8]
        /// Total bytes fed so far (the length appended in the padding, modulo 2^64 bits).
        private var byteCount: UInt64 = 0

        /// Starts a new computation with the FIPS 180-4 initial hash value.
        package init() {
            buffer = []
            buffer.reserveCapacity(SHA256.blockByteCount)
        }

        /// Feeds `bytes`; contiguous collections are hashed in place, block by block.
        package mutating func update(_ bytes: some Sequence<UInt8>) {
            let handled: Void? = bytes.withContiguousStorageIfAvailable { update(bytes: UnsafeRawBufferPointer($0)) }
            if handled != nil { return }
            for byte in bytes {
                buffer.append(byte)
                byteCount &+= 1
                if buffer.count == SHA256.blockByteCount { flushBuffer() }
            }
        }

        /// Feeds the bytes of a raw buffer.
        package mutating func update(bytes raw: UnsafeRawBufferPointer) {
            let count = raw.count
            guard count > 0 else { return }
            byteCount &+= UInt64(count)
            var offset = 0
            if !buffer.isEmpty {
                let take = min(SHA256.blockByteCount - buffer.count, count)
                buffer.append(contentsOf: raw[0..<take])
                offset = take
                if buffer.count == SHA256.blockByteCount { flushBuffer() }
            }
            var words = state
            while count - offset >= SHA256.blockByteCount {
                SHA256.compress(&words, UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + SHA256.blockByteCount)]))
                offset += SHA256.blockByteCount
            }
            state = words
            if offset < count { buffer.append(contentsOf: raw[offset..<count]) }
        }

        /// The digest of everything fed so far (32 bytes). The context itself is unchanged.
        package func finalize() -> [UInt8] {
            let bitLength = byteCount &* 8
            var words = state
            var block = buffer
            block.append(0x80)
            if block.count > SHA256.blockByteCount - 8 {
                block.append(contentsOf: repeatElement(0, count: SHA256.blockByteCount - block.count))
                block.withUnsafeBytes { SHA256.compress(&words, $0) }
                block.removeAll(keepingCapacity: true)
            }
            block.append(contentsOf: repeatElement(0, count: SHA256.blockByteCount - 8 - block.count))
            for shift in stride(from: 56, through: 0, by: -8) { block.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
            block.withUnsafeBytes { SHA256.compress(&words, $0) }
            return words.bigEndianBytes()
        }

        /// Compresses the full buffer into the state and empties it.
        private mutating func flushBuffer() {
            var words = state
            buffer.withUnsafeBytes { SHA256.compress(&words, $0) }
            state = words
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// The eight 32-bit words of the intermediate hash value.
    struct State: Sendable {
        var h0: UInt32 = 0x6a09_e667
        var h1: UInt32 = 0xbb67_ae85
        var h2: UInt32 = 0x3c6e_f372
        var h3: UInt32 = 0xa54f_f53a
        var h4: UInt32 = 0x510e_527f
        var h5: UInt32 = 0x9b05_688c
        var h6: UInt32 = 0x1f83_d9ab
        var h7: UInt32 = 0x5be0_cd19

        /// The words serialised big-endian: the digest.
        func bigEndianBytes() -> [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(SHA256.digestByteCount)
            for word in [h0, h1, h2, h3, h4, h5, h6, h7] {
                out.append(UInt8(truncatingIfNeeded: word >> 24))
                out.append(UInt8(truncatingIfNeeded: word >> 16))
                out.append(UInt8(truncatingIfNeeded: word >> 8))
                out.append(UInt8(truncatingIfNeeded: word))
            }
            return out
        }
    }

    /// The 64 round constants (first 32 bits of the fractional parts of the cube roots of the
    /// first 64 primes).
    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// Right rotation of a 32-bit word.
    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
        (x &>> n) | (x &<< (32 &- n))
    }

    /// Runs the compression function over one 64-byte `block`, updating `state`.
    private static func compress(_ state: inout State, _ block: UnsafeRawBufferPointer) {
        precondition(block.count == blockByteCount, "SHA-256 compresses exactly 64 bytes")
        roundConstants.withUnsafeBufferPointer { k in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                for i in 0..<16 {
                    w.initializeElement(at: i, to: UInt32(bigEndian: block.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                }
                for i in 16..<64 {
                    let w15 = w[i - 15]
                    let w2 = w[i - 2]
                    let s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 &>> 3)
                    let s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 &>> 10)
                    w.initializeElement(at: i, to: w[i - 16] &+ s0 &+ w[i - 7] &+ s1)
                }
                var a = state.h0
                var b = state.h1
                var c = state.h2
                var d = state.h3
                var e = state.h4
                var f = state.h5
                var g = state.h6
                var h = state.h7
                for i in 0..<64 {
                    let sigma1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                    let choose = (e & f) ^ (~e & g)
                    let t1 = h &+ sigma1 &+ choose &+ k[i] &+ w[i]
                    let sigma0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                    let majority = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = sigma0 &+ majority
                    h = g
                    g = f
                    f = e
                    e = d &+ t1
                    d = c
                    c = b
                    b = a
                    a = t1 &+ t2
                }
                state.h0 &+= a
                state.h1 &+= b
                state.h2 &+= c
                state.h3 &+= d
                state.h4 &+= e
                state.h5 &+= f
                state.h6 &+= g
                state.h7 &+= h
            }
        }
    }
}

/// HMAC-SHA256 (RFC 2104, test vectors in RFC 4231) over ``SHA256``.
package enum HMACSHA256 {
    /// The 32-byte HMAC-SHA256 of `message` under `key` (any length; keys longer than a block
    /// are hashed first, as RFC 2104 requires).
    package static func mac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        Key(key).mac(message)
    }

    /// A key with its inner and outer SHA-256 prefixes already absorbed, for a caller that
    /// signs many messages with one key: each ``mac(_:)`` then costs only the message's own
    /// blocks plus one outer block, not the two key blocks and a key schedule every time.
    package struct Key: Sendable {
        /// SHA-256 after absorbing `key ^ ipad`.
        private let inner: SHA256.Context
        /// SHA-256 after absorbing `key ^ opad`.
        private let outer: SHA256.Context

        /// Prepares `key` (any length; keys longer than a block are hashed first, as RFC 2104 requires).
        package init(_ key: [UInt8]) {
            var blockKey = key.count > SHA256.blockByteCount ? SHA256.hash(key) : key
            blockKey.append(contentsOf: repeatElement(0, count: SHA256.blockByteCount - blockKey.count))
            var inner = SHA256.Context()
            inner.update(blockKey.map { $0 ^ 0x36 })
            var outer = SHA256.Context()
            outer.update(blockKey.map { $0 ^ 0x5c })
            self.inner = inner
            self.outer = outer
        }

        /// The 32-byte HMAC-SHA256 of `message` under this key.
        package func mac(_ message: some Sequence<UInt8>) -> [UInt8] {
            var inner = self.inner
            inner.update(message)
            var outer = self.outer
            outer.update(inner.finalize())
            return outer.finalize()
        }
    }

    /// Whether `a` and `b` are equal, in time that depends only on their lengths (not on where
    /// they differ). Use it to compare MACs.
    package static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
