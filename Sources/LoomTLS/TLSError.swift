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
    /// The alert the peer sent, when the failure is the peer's refusal (for example ``Alert/certificateRequired``).
    public let peerAlert: Alert?

    /// Creates an error.
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - reason: A human-readable explanation.
    ///   - openSSLErrors: Entries from OpenSSL's error queue.
    ///   - peerAlert: The alert the peer sent, if that is what failed the connection.
    public init(code: Code, reason: String, openSSLErrors: [String] = [], peerAlert: Alert? = nil) {
        self.code = code
        self.reason = reason
        self.openSSLErrors = openSSLErrors
        self.peerAlert = peerAlert
    }

    /// A TLS alert description (RFC 8446 §6).
    public struct Alert: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The alert's number on the wire.
        public let rawValue: UInt8

        /// Wraps an alert number.
        public init(rawValue: UInt8) {
            self.rawValue = rawValue
        }

        /// bad_certificate (42).
        public static let badCertificate = Alert(rawValue: 42)
        /// unsupported_certificate (43).
        public static let unsupportedCertificate = Alert(rawValue: 43)
        /// certificate_revoked (44).
        public static let certificateRevoked = Alert(rawValue: 44)
        /// certificate_expired (45).
        public static let certificateExpired = Alert(rawValue: 45)
        /// certificate_unknown (46).
        public static let certificateUnknown = Alert(rawValue: 46)
        /// unknown_ca (48).
        public static let unknownCA = Alert(rawValue: 48)
        /// access_denied (49).
        public static let accessDenied = Alert(rawValue: 49)
        /// certificate_required (116, TLS 1.3).
        public static let certificateRequired = Alert(rawValue: 116)

        private static let names: [UInt8: String] = [
            0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 40: "handshake_failure",
            42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked",
            45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca",
            49: "access_denied", 50: "decode_error", 51: "decrypt_error", 70: "protocol_version",
            71: "insufficient_security", 80: "internal_error", 90: "user_canceled", 109: "missing_extension",
            110: "unsupported_extension", 112: "unrecognized_name", 116: "certificate_required",
            120: "no_application_protocol",
        ]

        /// Whether the peer refused the certificate this side presented, or the lack of one.
        public var refusesOurCertificate: Bool {
            [42, 43, 44, 45, 46, 48, 49, 116].contains(rawValue)
        }

        /// The RFC name, e.g. `certificate_required (116)`.
        public var description: String {
            "\(Self.names[rawValue] ?? "alert") (\(rawValue))"
        }
    }

    /// `"TLSError.code: reason (openssl: ...)"`.
    public var description: String {
        if openSSLErrors.isEmpty {
            return "TLSError.\(code): \(reason)"
        }
        return "TLSError.\(code): \(reason) (openssl: \(openSSLErrors.joined(separator: "; ")))"
    }
}
