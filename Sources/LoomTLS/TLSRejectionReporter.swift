import NIOCore

/// Receives the handshakes a server ``TLSHandler`` rejects, instead of the handler logging a notice for each.
///
/// A flood of bad handshakes (port scanners, plaintext clients, clients without certificates) would otherwise write
/// one line per connection; ``ConnectionAdmission`` counts them per ``TLSError/rejectionReason`` and logs a bounded
/// number of lines (see ``RepeatedEventLog``).
public protocol TLSRejectionReporter: Sendable {
    /// A handshake failed; called on the connection's event loop, before the handler fails its
    /// ``TLSHandler/handshakeFuture`` and closes the channel.
    /// - Parameters:
    ///   - error: Why (its ``TLSError/rejectionReason`` is a bounded word suitable for a metric dimension).
    ///   - channel: The connection.
    func handshakeRejected(_ error: TLSError, channel: any Channel)
}

extension TLSError {
    /// Why a handshake failed, as one of a few fixed words (for metric dimensions and aggregated logs):
    /// `timeout` (no complete handshake in time), `closed` (the peer went away), `no_certificate` (a client
    /// certificate was required and none came), `bad_certificate` (it did not verify), `not_tls` (plaintext or
    /// garbage), `version` (no common protocol version or cipher), `alpn` (no common application protocol), or
    /// `other`.
    public var rejectionReason: String {
        if code == .handshakeTimedOut { return "timeout" }
        if code == .hostnameMismatch || reason.hasPrefix("certificate verification failed") { return "bad_certificate" }
        let text = ([reason] + openSSLErrors).joined(separator: " ").lowercased()
        func mentions(_ words: String...) -> Bool { words.contains { text.contains($0) } }
        if mentions("peer did not return a certificate", "certificate required") { return "no_certificate" }
        if mentions("closed by the peer", "unexpected eof", "connection closed") { return "closed" }
        if mentions("http request", "https proxy request", "wrong version number", "packet length too long", "record layer failure") {
            return "not_tls"
        }
        if mentions("unsupported protocol", "protocol version", "no protocols available", "no shared cipher") { return "version" }
        if mentions("application protocol") { return "alpn" }
        if let peerAlert, peerAlert.refusesOurCertificate { return "bad_certificate" }
        return "other"
    }
}
