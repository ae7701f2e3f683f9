import LoomTLS

/// Turns the server's TLS flags into LoomTLS configurations.
enum TLSSettings {
    /// A server context for the RPC listener or the shim.
    static func server(_ files: ServerConfiguration.TLSFiles, configuration: ServerConfiguration, alpn: [String]) -> TLSConfig {
        .defaults {
            $0.certificates = .init(chainPath: files.certificatePath, privateKeyPath: files.privateKeyPath)
            $0.trustRootsPath = files.trustedCAPath
            $0.clientAuthentication = files.trustedCAPath == nil ? .none : configuration.clientAuthentication
            $0.minimumVersion = configuration.minimumTLSVersion
            $0.alpnProtocols = alpn
        }
    }

    /// The client context for `https://` migrators, or `nil` to use the defaults (system trust, no client cert).
    static func migratorClient(_ configuration: ServerConfiguration) -> TLSConfig? {
        guard configuration.migratorTLS != nil || configuration.migratorCAPath != nil else { return nil }
        return .defaults {
            if let files = configuration.migratorTLS {
                $0.certificates = .init(chainPath: files.certificatePath, privateKeyPath: files.privateKeyPath)
                $0.trustRootsPath = files.trustedCAPath
            }
            if let ca = configuration.migratorCAPath { $0.trustRootsPath = ca }
            $0.minimumVersion = .tls1_2
            $0.alpnProtocols = ["http/1.1"]
        }
    }
}
