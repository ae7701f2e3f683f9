import LoomTLS
import LoomTestSupport

@testable import LoomRPC

/// TLS contexts from the test CA (generated at test time by Tools/dev-certs).
enum TestTLS {
    static var ca: TestCertificateAuthority { get throws { try .shared() } }

    /// An mTLS server: requires a client certificate signed by the test CA; ALPN loom/1.
    static func server(clientAuthentication: TLSConfig.ClientAuthentication = .require, alpn: [String] = [RPCTransportSecurity.alpnProtocol]) throws -> RPCTransportSecurity {
        let ca = try ca
        let context = try TLSContext.server(
            .defaults {
                $0.certificates = .init(chainPath: ca.server.chainPath, privateKeyPath: ca.server.keyPath)
                $0.trustRootsPath = ca.caPath
                $0.clientAuthentication = clientAuthentication
                $0.alpnProtocols = alpn
            }
        )
        return .tls(context)
    }

    /// A client presenting `credential` (none when `nil`), trusting the test CA.
    static func client(
        _ credential: TestCertificateAuthority.Credential?,
        serverHostname: String? = nil
    ) throws -> RPCTransportSecurity {
        let ca = try ca
        let context = try TLSContext.client(
            .defaults {
                $0.certificates = credential.map { .init(chainPath: $0.chainPath, privateKeyPath: $0.keyPath) }
                $0.trustRootsPath = ca.caPath
                $0.alpnProtocols = [RPCTransportSecurity.alpnProtocol]
            }
        )
        return .tls(context, serverHostname: serverHostname)
    }
}
