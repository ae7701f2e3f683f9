import COpenSSL

/// Owns one `SSL_CTX` built from a ``TLSConfig`` (the only code that creates or frees one).
///
/// Immutable once built, so it is shared freely between event loops: OpenSSL's
/// `SSL_CTX` is thread-safe for creating connections. Each ``SSLConnection`` keeps its
/// box alive, which is what lets ``TLSContext/reload()`` swap in a new box while open
/// connections continue on the old one.
final class SSLContextBox: @unchecked Sendable {
    let role: TLSContext.Role
    let configuration: TLSConfig
    let context: OpaquePointer
    /// ALPN protocols in wire format (length-prefixed), kept alive for the server's select callback.
    private let alpnWire: UnsafeMutableBufferPointer<UInt8>

    init(configuration: TLSConfig, role: TLSContext.Role) throws(TLSError) {
        try Self.validate(configuration, role: role)
        OpenSSLErrorQueue.clear()
        let method = role == .server ? TLS_server_method() : TLS_client_method()
        guard let context = SSL_CTX_new(method) else {
            throw OpenSSLErrorQueue.error(.outOfMemory, "SSL_CTX_new failed")
        }
        let wire = Self.alpnWireFormat(configuration.alpnProtocols)
        let alpnWire = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(wire.count, 1))
        _ = alpnWire.initialize(from: wire)
        self.alpnWire = UnsafeMutableBufferPointer(rebasing: alpnWire[0..<wire.count])
        self.context = context
        self.role = role
        self.configuration = configuration
        // From here on `deinit` frees the context and buffer if configuration fails.
        try configure()
    }

    deinit {
        SSL_CTX_free(context)
        alpnWire.baseAddress.map { $0.deallocate() }
    }

    // MARK: Building

    private static func validate(_ config: TLSConfig, role: TLSContext.Role) throws(TLSError) {
        if role == .server && config.certificates == nil {
            throw TLSError(code: .invalidConfiguration, reason: "a TLS server needs a certificate chain and private key")
        }
        if role == .server && config.clientAuthentication != .none && config.trustRootsPath == nil {
            throw TLSError(
                code: .invalidConfiguration,
                reason: "client authentication '\(config.clientAuthentication.rawValue)' needs trust roots (a CA bundle)"
            )
        }
        for name in config.alpnProtocols where name.utf8.isEmpty || name.utf8.count > 255 {
            throw TLSError(code: .invalidConfiguration, reason: "ALPN protocol '\(name)' must be 1...255 bytes long")
        }
    }

    private static func alpnWireFormat(_ protocols: [String]) -> [UInt8] {
        var wire: [UInt8] = []
        for name in protocols {
            wire.append(UInt8(name.utf8.count))
            wire.append(contentsOf: name.utf8)
        }
        return wire
    }

    private func configure() throws(TLSError) {
        let config = configuration
        let minimum = Int32(config.minimumVersion.rawValue)
        guard loom_SSL_CTX_set_min_proto_version(context, minimum) == 1,
            loom_SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION) == 1
        else {
            throw OpenSSLErrorQueue.error(.invalidConfiguration, "cannot set protocol versions")
        }
        SSL_CTX_set_options(
            context,
            loom_SSL_OP_NO_COMPRESSION() | loom_SSL_OP_NO_RENEGOTIATION() | loom_SSL_OP_CIPHER_SERVER_PREFERENCE()
                | loom_SSL_OP_NO_TICKET()
        )
        // RELEASE_BUFFERS frees OpenSSL's record buffers on idle connections (thousands of idle
        // mTLS connections stay small); MOVING_WRITE_BUFFER lets SSL_write retry from another address.
        // NO_AUTO_CHAIN sends exactly the chain file (leaf + intermediates). Without it OpenSSL
        // rebuilds and verifies our own chain from the trust store on every handshake and appends
        // the root, which the peer then parses for nothing: a third of a handshake's CPU on 3.0.
        _ = loom_SSL_CTX_set_mode(
            context,
            loom_SSL_MODE_RELEASE_BUFFERS() | loom_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER() | loom_SSL_MODE_NO_AUTO_CHAIN())
        // No resumption: Loom clients keep long-lived connections and full handshakes keep
        // client-certificate checks on every connection.
        _ = loom_SSL_CTX_set_session_cache_mode(context, loom_SSL_SESS_CACHE_OFF())
        _ = SSL_CTX_set_num_tickets(context, 0)

        guard SSL_CTX_set_cipher_list(context, config.tls12CipherList) == 1 else {
            throw OpenSSLErrorQueue.error(.invalidConfiguration, "invalid TLS 1.2 cipher list '\(config.tls12CipherList)'")
        }
        guard SSL_CTX_set_ciphersuites(context, config.tls13CipherSuites) == 1 else {
            throw OpenSSLErrorQueue.error(.invalidConfiguration, "invalid TLS 1.3 ciphersuites '\(config.tls13CipherSuites)'")
        }

        if let certificates = config.certificates {
            guard SSL_CTX_use_certificate_chain_file(context, certificates.chainPath) == 1 else {
                throw OpenSSLErrorQueue.error(
                    .certificateLoadFailed, "cannot load certificate chain from \(certificates.chainPath)")
            }
            guard SSL_CTX_use_PrivateKey_file(context, certificates.privateKeyPath, SSL_FILETYPE_PEM) == 1 else {
                throw OpenSSLErrorQueue.error(
                    .privateKeyLoadFailed, "cannot load private key from \(certificates.privateKeyPath)")
            }
            guard SSL_CTX_check_private_key(context) == 1 else {
                throw OpenSSLErrorQueue.error(
                    .privateKeyLoadFailed,
                    "private key \(certificates.privateKeyPath) does not match certificate \(certificates.chainPath)")
            }
        }

        if let roots = config.trustRootsPath {
            guard SSL_CTX_load_verify_locations(context, roots, nil) == 1 else {
                throw OpenSSLErrorQueue.error(.trustRootsLoadFailed, "cannot load trust roots from \(roots)")
            }
            if role == .server, let names = SSL_load_client_CA_file(roots) {
                // Tells clients which CAs we accept, so they can pick the right certificate.
                SSL_CTX_set_client_CA_list(context, names)
            }
        } else if role == .client {
            guard SSL_CTX_set_default_verify_paths(context) == 1 else {
                throw OpenSSLErrorQueue.error(.trustRootsLoadFailed, "cannot load the system trust store")
            }
        }

        switch role {
        case .server:
            switch config.clientAuthentication {
            case .require: SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
            case .optional: SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
            case .none: SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
            }
            if alpnWire.count > 0 {
                SSL_CTX_set_alpn_select_cb(context, alpnSelectCallback, Unmanaged.passUnretained(self).toOpaque())
            }
        case .client:
            switch config.serverVerification {
            case .full, .chainOnly: SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
            case .none: SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
            }
            // Note the inverted convention: SSL_CTX_set_alpn_protos returns 0 on success.
            if alpnWire.count > 0, SSL_CTX_set_alpn_protos(context, alpnWire.baseAddress, UInt32(alpnWire.count)) != 0 {
                throw OpenSSLErrorQueue.error(.invalidConfiguration, "cannot set ALPN protocols")
            }
        }
    }

    /// Server-side ALPN choice, in the server's preference order.
    fileprivate func selectALPN(
        clientList: UnsafePointer<UInt8>,
        clientLength: UInt32,
        out: UnsafeMutablePointer<UnsafePointer<UInt8>?>,
        outLength: UnsafeMutablePointer<UInt8>
    ) -> Int32 {
        var selected: UnsafeMutablePointer<UInt8>?
        let result = SSL_select_next_proto(
            &selected, outLength, alpnWire.baseAddress, UInt32(alpnWire.count), clientList, clientLength)
        guard result == OPENSSL_NPN_NEGOTIATED, let selected else {
            // RFC 7301 §3.2: no overlap is a fatal no_application_protocol alert.
            return SSL_TLSEXT_ERR_ALERT_FATAL
        }
        out.pointee = UnsafePointer(selected)
        return SSL_TLSEXT_ERR_OK
    }
}

private func alpnSelectCallback(
    ssl: OpaquePointer?,
    out: UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
    outLength: UnsafeMutablePointer<UInt8>?,
    input: UnsafePointer<UInt8>?,
    inputLength: UInt32,
    argument: UnsafeMutableRawPointer?
) -> Int32 {
    guard let out, let outLength, let input, let argument else { return SSL_TLSEXT_ERR_ALERT_FATAL }
    let box = Unmanaged<SSLContextBox>.fromOpaque(argument).takeUnretainedValue()
    return box.selectALPN(clientList: input, clientLength: inputLength, out: out, outLength: outLength)
}
