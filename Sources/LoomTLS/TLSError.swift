/// An error from LoomTLS: loading certificates, the handshake, or the encrypted stream.
///
/// Compare errors by ``code`` (`error.code == .handshakeFailed`). ``reason`` is a
/// human-readable explanation (for example OpenSSL's certificate verification
/// result, "certificate has expired"), and ``openSSLErrors`` holds the entries
/// drained from OpenSSL's per-thread error queue when the error was raised.
/// Neither contains key material; both are safe to log.
public struct TLSError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of a ``TLSError``. A struct (not an enum) so new kinds can be added
    /// without breaking API.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidConfiguration
            case certificateLoadFailed
            case privateKeyLoadFailed
            case trustRootsLoadFailed
            case handshakeFailed
            case handshakeTimedOut
            case hostnameMismatch
            case uncleanShutdown
            case closeNotifyTimedOut
            case readFailed
            case writeFailed
            case outOfMemory
            case cryptoFailed
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The configuration is contradictory (e.g. a server without certificates, mTLS without trust roots).
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// The certificate chain file could not be read or parsed.
        public static let certificateLoadFailed = Code(.certificateLoadFailed)
        /// The private key could not be read, parsed, or does not match the certificate.
        public static let privateKeyLoadFailed = Code(.privateKeyLoadFailed)
        /// The trust roots (CA bundle) could not be read or parsed.
        public static let trustRootsLoadFailed = Code(.trustRootsLoadFailed)
        /// The handshake failed: protocol mismatch, untrusted or expired certificate, missing
        /// client certificate, plaintext or garbage from the peer, EOF during the handshake.
        public static let handshakeFailed = Code(.handshakeFailed)
        /// The handshake did not complete within ``TLSConfig/Timeouts/handshake``.
        public static let handshakeTimedOut = Code(.handshakeTimedOut)
        /// The server certificate does not name the host the client expected.
        public static let hostnameMismatch = Code(.hostnameMismatch)
        /// The peer closed the TCP connection without sending close_notify (possible truncation).
        public static let uncleanShutdown = Code(.uncleanShutdown)
        /// The peer did not answer our close_notify within ``TLSConfig/Timeouts/closeNotify``.
        public static let closeNotifyTimedOut = Code(.closeNotifyTimedOut)
        /// Decrypting received records failed (corrupt data, fatal alert from the peer).
        public static let readFailed = Code(.readFailed)
        /// Encrypting outgoing data failed, or the connection was no longer writable.
        public static let writeFailed = Code(.writeFailed)
        /// OpenSSL could not allocate an object.
        public static let outOfMemory = Code(.outOfMemory)
        /// A primitive in ``TLSCrypto`` failed.
        public static let cryptoFailed = Code(.cryptoFailed)

        /// The code's name, e.g. `"handshakeFailed"`.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public let code: Code
    /// A human-readable explanation, safe to log.
    public let reason: String
    /// OpenSSL's error queue at the time of the failure, most recent last (may be empty).
    public let openSSLErrors: [String]

    /// Creates an error.
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - reason: A human-readable explanation.
    ///   - openSSLErrors: Entries from OpenSSL's error queue.
    public init(code: Code, reason: String, openSSLErrors: [String] = []) {
        self.code = code
        self.reason = reason
        self.openSSLErrors = openSSLErrors
    }

    /// `"TLSError.code: reason (openssl: ...)"`.
    public var description: String {
        if openSSLErrors.isEmpty {
            return "TLSError.\(code): \(reason)"
        }
        return "TLSError.\(code): \(reason) (openssl: \(openSSLErrors.joined(separator: "; ")))"
    }
}
