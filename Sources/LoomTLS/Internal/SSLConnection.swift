import COpenSSL
import NIOCore

/// One OpenSSL `SSL*` and its two memory BIOs: the only code that calls
/// `SSL_do_handshake`, `SSL_read`, `SSL_write` and `SSL_shutdown`.
///
/// Ciphertext from the network goes into the read BIO (``consume(_:)``); ciphertext
/// OpenSSL produced is taken out of the write BIO (``drainCiphertext(allocator:)``).
/// The read BIO returns -1 when empty (`BIO_set_mem_eof_return(-1)`), so an empty
/// buffer means "want more" rather than EOF: OpenSSL never sees the TCP EOF, and the
/// handler decides what an unclean shutdown is. Every call clears OpenSSL's error
/// queue first and drains it on failure. Not thread-safe: used from one event loop.
final class SSLConnection {
    /// The outcome of one libssl operation.
    enum Outcome: Equatable {
        /// Finished.
        case complete
        /// Needs more ciphertext from the peer.
        case incomplete
        /// The peer sent close_notify (reads only).
        case closed
        /// Fatal; the connection is unusable.
        case failed(TLSError)
    }

    /// Keeps the `SSL_CTX` (and ALPN buffer) alive for as long as this connection exists.
    let contextBox: SSLContextBox
    private let ssl: OpaquePointer
    private let readBIO: OpaquePointer
    private let writeBIO: OpaquePointer

    /// Creates a connection in accept (server) or connect (client) state.
    /// - Parameters:
    ///   - contextBox: The context to create it from.
    ///   - serverHostname: Client side: the name or IP the server certificate must match
    ///     (also sent as SNI when a name). Ignored on the server side.
    init(contextBox: SSLContextBox, serverHostname: String?) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        guard let ssl = SSL_new(contextBox.context) else {
            throw OpenSSLErrorQueue.error(.outOfMemory, "SSL_new failed")
        }
        guard let readBIO = BIO_new(BIO_s_mem()), let writeBIO = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw OpenSSLErrorQueue.error(.outOfMemory, "BIO_new failed")
        }
        _ = loom_BIO_set_mem_eof_return(readBIO, -1)
        _ = loom_BIO_set_mem_eof_return(writeBIO, -1)
        SSL_set_bio(ssl, readBIO, writeBIO)  // `ssl` owns both BIOs from here.
        self.ssl = ssl
        self.readBIO = readBIO
        self.writeBIO = writeBIO
        self.contextBox = contextBox

        switch contextBox.role {
        case .server:
            SSL_set_accept_state(ssl)
        case .client:
            SSL_set_connect_state(ssl)
            try configureClient(serverHostname: serverHostname ?? contextBox.configuration.serverName)
        }
    }

    deinit {
        SSL_free(ssl)
    }

    private func configureClient(serverHostname: String?) throws(TLSError) {
        guard let host = serverHostname, !host.isEmpty else {
            if contextBox.configuration.serverVerification == .full {
                throw TLSError(
                    code: .invalidConfiguration,
                    reason: "full server verification needs a server name (TLSConfig.serverName or the handler's)")
            }
            return
        }
        let isIPAddress = IPAddressText.isIPAddress(host)
        if !isIPAddress {
            // SNI carries host names only, never IP literals (RFC 6066 §3).
            guard loom_SSL_set_tlsext_host_name(ssl, host) == 1 else {
                throw OpenSSLErrorQueue.error(.invalidConfiguration, "invalid server name '\(host)' for SNI")
            }
        }
        guard contextBox.configuration.serverVerification == .full else { return }
        if isIPAddress {
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1 else {
                throw OpenSSLErrorQueue.error(.invalidConfiguration, "invalid IP address '\(host)'")
            }
        } else {
            guard SSL_set1_host(ssl, host) == 1 else {
                throw OpenSSLErrorQueue.error(.invalidConfiguration, "invalid server name '\(host)'")
            }
        }
    }

    // MARK: Ciphertext in and out

    /// Hands ciphertext received from the network to OpenSSL (one copy into the BIO).
    func consume(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress, bytes.count > 0 else { return }
            // A memory BIO grows as needed, so the write always takes every byte.
            _ = BIO_write(readBIO, base, Int32(bytes.count))
        }
    }

    /// Bytes OpenSSL has produced for the network and not yet handed out.
    var pendingCiphertext: Int { Int(loom_BIO_pending(writeBIO)) }

    /// Takes every byte OpenSSL has produced for the network, as one buffer; `nil` when none.
    func drainCiphertext(allocator: ByteBufferAllocator) -> ByteBuffer? {
        let pending = pendingCiphertext
        guard pending > 0 else { return nil }
        var buffer = allocator.buffer(capacity: pending)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { bytes in
            Int(max(0, BIO_read(writeBIO, bytes.baseAddress, Int32(pending))))
        }
        return buffer
    }

    // MARK: libssl operations

    /// Runs the handshake as far as the buffered ciphertext allows.
    func doHandshake() -> Outcome {
        OpenSSLErrorQueue.clear()
        let result = SSL_do_handshake(ssl)
        if result == 1 { return .complete }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .incomplete
        default:
            return .failed(handshakeError())
        }
    }

    /// Decrypts everything decryptable into `plaintext` (appending).
    /// - Returns: `.incomplete` once the buffered ciphertext is used up, `.closed` when the
    ///   peer's close_notify arrived, `.failed` on a fatal error. Plaintext read before a
    ///   close or failure is still in `plaintext`.
    func readPlaintext(into plaintext: inout ByteBuffer) -> Outcome {
        OpenSSLErrorQueue.clear()
        while true {
            var status: Int32 = 0
            // Grow only when full: the caller sized the buffer for the ciphertext at hand,
            // which bounds the plaintext except for a record left over from an earlier read.
            if plaintext.writableBytes == 0 {
                plaintext.reserveCapacity(minimumWritableBytes: max(plaintext.capacity, 4096))
            }
            plaintext.writeWithUnsafeMutableBytes(minimumWritableBytes: 0) { bytes in
                var count = 0
                status = SSL_read_ex(ssl, bytes.baseAddress, bytes.count, &count)
                return status == 1 ? count : 0
            }
            if status == 1 {
                // Nothing left to decrypt (no ciphertext in the BIO, nothing buffered inside OpenSSL): another
                // SSL_read_ex would only report WANT_READ, so skip that round trip through the record layer.
                if loom_BIO_pending(readBIO) == 0 && SSL_has_pending(ssl) == 0 { return .incomplete }
                continue
            }
            switch SSL_get_error(ssl, status) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                return .incomplete
            case SSL_ERROR_ZERO_RETURN:
                return .closed
            default:
                return .failed(OpenSSLErrorQueue.error(.readFailed, "cannot decrypt data from the peer"))
            }
        }
    }

    /// Encrypts all of `buffer`'s readable bytes into the write BIO.
    func writePlaintext(_ buffer: ByteBuffer) -> Outcome {
        guard buffer.readableBytes > 0 else { return .complete }
        OpenSSLErrorQueue.clear()
        return buffer.withUnsafeReadableBytes { bytes in
            var written = 0
            let status = SSL_write_ex(ssl, bytes.baseAddress, bytes.count, &written)
            if status == 1 && written == bytes.count { return .complete }
            switch SSL_get_error(ssl, status) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                // Not expected with a memory BIO; a partial write would corrupt the stream.
                return .failed(TLSError(code: .writeFailed, reason: "TLS write would block"))
            default:
                return .failed(OpenSSLErrorQueue.error(.writeFailed, "cannot encrypt data for the peer"))
            }
        }
    }

    /// Sends close_notify (first call) and reports whether the peer's has arrived.
    /// - Returns: `.complete` when both close_notify messages have been exchanged,
    ///   `.incomplete` when ours is queued and theirs is still outstanding.
    func shutdown() -> Outcome {
        OpenSSLErrorQueue.clear()
        let result = SSL_shutdown(ssl)
        switch result {
        case 1: return .complete
        case 0: return .incomplete
        default:
            switch SSL_get_error(ssl, result) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .incomplete
            default: return .failed(OpenSSLErrorQueue.error(.writeFailed, "cannot send close_notify"))
            }
        }
    }

    // MARK: Negotiated parameters

    /// The ALPN protocol both sides agreed on, if any.
    var negotiatedALPN: String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// The negotiated protocol version (valid after the handshake).
    var protocolVersion: TLSConfig.ProtocolVersion {
        TLSConfig.ProtocolVersion(rawValue: Int(SSL_version(ssl))) ?? .tls1_3
    }

    /// The identity of the peer's verified certificate, if it presented one.
    func peerIdentity() -> PeerIdentity? {
        guard let certificate = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(certificate) }
        guard SSL_get_verify_result(ssl) == X509_V_OK else { return nil }
        return CertificateNames(certificate).identity
    }

    /// Builds the error for a failed handshake: the verification result when a certificate
    /// check failed (e.g. "certificate has expired"), otherwise OpenSSL's error queue.
    private func handshakeError() -> TLSError {
        let (queue, alert) = OpenSSLErrorQueue.drain()
        let verifyResult = SSL_get_verify_result(ssl)
        if verifyResult != X509_V_OK {
            let reason = String(cString: X509_verify_cert_error_string(verifyResult))
            let code: TLSError.Code =
                verifyResult == X509_V_ERR_HOSTNAME_MISMATCH || verifyResult == X509_V_ERR_IP_ADDRESS_MISMATCH
                ? .hostnameMismatch : .handshakeFailed
            return TLSError(code: code, reason: "certificate verification failed: \(reason)", openSSLErrors: queue, peerAlert: alert)
        }
        let reason = queue.last.map(Self.reasonText) ?? "connection failed during the handshake"
        return TLSError(code: .handshakeFailed, reason: reason, openSSLErrors: queue, peerAlert: alert)
    }

    /// The reason part of an `error:0A000086:SSL routines::certificate verify failed` line.
    private static func reasonText(_ entry: String) -> String {
        guard let colon = entry.lastIndex(of: ":"), entry[colon...].count > 1 else { return entry }
        return String(entry[entry.index(after: colon)...])
    }
}
