import COpenSSL

/// Small cryptographic primitives from OpenSSL's libcrypto, for code that must not
/// import OpenSSL itself (e.g. generating a callback key). HMAC-SHA256 lives in LoomCore
/// (`HMACSHA256`), in pure Swift with a pre-keyed form.
public enum TLSCrypto {
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
