import LoomTLS
import LoomTestSupport
import Testing

@Suite("Peer identity")
struct PeerIdentityTests {
    @Test("URI SANs win over DNS SANs, which win over the common name")
    func preference() {
        #expect(
            PeerIdentity.select(uriNames: ["spiffe://a/b"], dnsNames: ["host"], commonName: "cn")
                == PeerIdentity(value: "spiffe://a/b", source: .uri))
        #expect(
            PeerIdentity.select(uriNames: [], dnsNames: ["host", "other"], commonName: "cn")
                == PeerIdentity(value: "host", source: .dns))
        #expect(
            PeerIdentity.select(uriNames: [""], dnsNames: [], commonName: "cn")
                == PeerIdentity(value: "cn", source: .commonName))
        #expect(PeerIdentity.select(uriNames: [], dnsNames: [], commonName: nil) == nil)
        #expect(PeerIdentity.select(uriNames: [], dnsNames: [], commonName: "") == nil)
    }

    @Test("only spiffe:// URIs are SPIFFE ids")
    func spiffeID() {
        #expect(PeerIdentity(value: "spiffe://loom.dev/viewer", source: .uri).spiffeID == "spiffe://loom.dev/viewer")
        #expect(PeerIdentity(value: "https://loom.dev", source: .uri).spiffeID == nil)
        #expect(PeerIdentity(value: "spiffe://x", source: .dns).spiffeID == nil)
        #expect(PeerIdentity(value: "spiffe://x", source: .uri).description == "uri:spiffe://x")
    }

    @Test(
        "the server reads each client certificate's identity",
        arguments: [
            ("operator", PeerIdentity(value: "spiffe://loom.dev/operator", source: .uri)),
            ("migrator", PeerIdentity(value: "spiffe://loom.dev/migrator/example", source: .uri)),
            ("viewer", PeerIdentity(value: "spiffe://loom.dev/viewer", source: .uri)),
            ("dns", PeerIdentity(value: "worker.loom.dev", source: .dns)),
            ("cn", PeerIdentity(value: "legacy-client", source: .commonName)),
        ]
    )
    func identities(name: String, expected: PeerIdentity) throws {
        let ca = try TestTLS.ca()
        let credential =
            switch name {
            case "operator": ca.operatorClient
            case "migrator": ca.migratorClient
            case "viewer": ca.viewerClient
            case "dns": ca.dnsClient
            default: ca.commonNameClient
            }
        let pair = try InMemoryTLSPair(
            server: .server(TestTLS.serverConfig()), client: .client(TestTLS.clientConfig(credential: credential)))
        try pair.handshake()
        #expect(pair.serverHandler.peerIdentity == expected)
        #expect(pair.serverEvents.handshakes.first?.peerIdentity == expected)
    }
}
