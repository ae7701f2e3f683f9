import COpenSSL

/// Small cryptographic primitives from OpenSSL's libcrypto, for code that must not
/// import OpenSSL itself (e.g. signing callback tokens).
public enum TLSCrypto {
    /// Length in bytes of an HMAC-SHA256 tag.
    public static let hmacSHA256Length = 32

    /// HMAC-SHA256 of `message` under `key` (RFC 2104).
    /// - Parameters:
    ///   - key: The secret key (any length; 32 random bytes recommended).
    ///   - message: The data to authenticate.
    /// - Returns: The 32-byte tag.
    public static func hmacSHA256(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        let key = Array(key)
        let message = Array(message)
        var tag = [UInt8](repeating: 0, count: hmacSHA256Length)
        var tagLength: UInt32 = 0
        let result = key.withUnsafeBufferPointer { keyBytes in
            message.withUnsafeBufferPointer { messageBytes in
                tag.withUnsafeMutableBufferPointer { tagBytes in
                    // A non-NULL key pointer even for an empty key: OpenSSL treats NULL as "reuse".
                    HMAC(
                        EVP_sha256(), keyBytes.baseAddress ?? UnsafePointer(tagBytes.baseAddress!), Int32(keyBytes.count),
                        messageBytes.baseAddress, messageBytes.count, tagBytes.baseAddress, &tagLength)
                }
            }
        }
        // HMAC with SHA-256 fails only on allocation failure, which is unrecoverable here.
        precondition(result != nil && tagLength == UInt32(hmacSHA256Length), "OpenSSL HMAC-SHA256 failed")
        return tag
    }

    /// Compares two byte strings in time that depends only on their lengths, not on where
    /// they differ. Use it to check MACs and tokens.
    /// - Returns: `true` when both have the same length and bytes.
    public static func constantTimeEquals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        let lhs = Array(lhs)
        let rhs = Array(rhs)
        guard lhs.count == rhs.count else { return false }
        guard !lhs.isEmpty else { return true }
        return lhs.withUnsafeBytes { left in
            rhs.withUnsafeBytes { right in
                CRYPTO_memcmp(left.baseAddress, right.baseAddress, left.count) == 0
            }
        }
    }

    /// `count` cryptographically secure random bytes from OpenSSL's CSPRNG (`RAND_bytes`).
    /// - Throws: ``TLSError`` (`.cryptoFailed`) when the generator is not seeded.
    public static func randomBytes(count: Int) throws(TLSError) -> [UInt8] {
        precondition(count >= 0, "randomBytes(count:) needs a non-negative count")
        var bytes = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return bytes }
        OpenSSLErrorQueue.clear()
        let status = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32($0.count)) }
        guard status == 1 else {
            throw OpenSSLErrorQueue.error(.cryptoFailed, "RAND_bytes failed")
        }
        return bytes
    }
}
