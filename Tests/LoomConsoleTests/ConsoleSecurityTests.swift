import LoomAPIService
import LoomConsole
import LoomCore
import LoomTLS
import LoomTestSupport
import NIOHTTP1
import Testing

@Suite("Console security: headers, methods, authentication, limits")
struct ConsoleSecurityTests {
    static let policy = AuthorizationPolicy(rules: [
        .init(kind: .commonName, pattern: "alice@example.com", roles: [.viewer]),
        .init(kind: .uri, pattern: "spiffe://loom.dev/operator", roles: [.operator]),
        .init(kind: .uri, pattern: "spiffe://loom.dev/migrator/*", roles: [.migrator]),
    ])

    static func expectSecurityHeaders(_ response: ConsoleResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        let csp = response.headers.first(name: "content-security-policy") ?? ""
        #expect(csp.contains("script-src 'self'"), sourceLocation: sourceLocation)
        #expect(csp.contains("style-src 'self'"), sourceLocation: sourceLocation)
        #expect(csp.contains("frame-ancestors 'none'"), sourceLocation: sourceLocation)
        #expect(!csp.contains("unsafe-inline"), sourceLocation: sourceLocation)
        #expect(response.headers.first(name: "x-frame-options") == "DENY", sourceLocation: sourceLocation)
        #expect(response.headers.first(name: "x-content-type-options") == "nosniff", sourceLocation: sourceLocation)
        #expect(response.headers.first(name: "referrer-policy") == "same-origin", sourceLocation: sourceLocation)
    }

    @Test("every response carries the security headers: pages, assets, errors, refusals")
    func headers() async throws {
        let fixture = try await ConsoleFixture(configure: { $0.auth = .proxy; $0.proxyPeers = [AddressRange(parsing: "10.0.0.0/8")!] }, policy: Self.policy)
        let alice: HTTPHeaders = ["X-Forwarded-User": "alice@example.com"]
        for (uri, peer, headers, status) in [
            ("/", "10.1.2.3", alice, HTTPResponseStatus.ok), ("/assets/console.js", "10.1.2.3", alice, .ok),
            ("/nowhere", "10.1.2.3", alice, .notFound), ("/", "10.1.2.3", [:], .unauthorized), ("/", "192.0.2.1", alice, .forbidden),
        ] {
            let response = await fixture.get(uri, headers: headers, peer: peer)
            #expect(response.status == status, "\(uri) from \(peer)")
            Self.expectSecurityHeaders(response)
        }
    }

    @Test("methods other than GET and HEAD get 405 with Allow; unknown paths 404 as JSON or HTML")
    func methodsAndUnknownPaths() async throws {
        let fixture = try await ConsoleFixture()
        for method in [HTTPMethod.POST, .PUT, .DELETE, .PATCH] {
            let response = await fixture.router.respond(to: ConsoleRequest(method: method, uri: "/", peerAddress: IPAddress(parsing: "127.0.0.1")))
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers.first(name: "allow") == "GET, HEAD")
            Self.expectSecurityHeaders(response)
        }
        let json = await fixture.get("/no/such/page", html: false)
        #expect(json.status == .notFound)
        #expect(json.headers.first(name: "content-type") == "application/json")
        #expect(json.bodyText == #"{"error":"no such page"}"#)
        let html = await fixture.get("/no/such/page")
        #expect(html.status == .notFound)
        #expect(html.headers.first(name: "content-type") == "text/html; charset=utf-8")
        #expect(html.bodyText.contains("<h1>404 Not Found</h1>"))
    }

    @Test("auth none is refused off loopback, naming the flag; allowed on 127.0.0.1, ::1 and localhost")
    func loopbackRule() throws {
        for host in ["0.0.0.0", "::", "192.168.1.10", "example.com", "128.0.0.1"] {
            var config = ConsoleConfiguration()
            config.host = host
            let error = #expect(throws: ConsoleConfigurationError.self) { try ConsoleServer.check(config, hasTLS: false) }
            #expect(error?.message.contains("--console-auth none") == true, "\(host)")
        }
        for host in ["127.0.0.1", "127.1.2.3", "::1", "localhost"] {
            var config = ConsoleConfiguration()
            config.host = host
            #expect(throws: Never.self) { try ConsoleServer.check(config, hasTLS: false) }
        }
        var proxy = ConsoleConfiguration()
        proxy.auth = .proxy
        #expect(throws: ConsoleConfigurationError("--console-auth proxy needs --console-proxy-peers (the reverse proxy's addresses or CIDR ranges)")) {
            try ConsoleServer.check(proxy, hasTLS: false)
        }
        var mtls = ConsoleConfiguration()
        mtls.auth = .mtls
        mtls.host = "0.0.0.0"
        #expect(throws: ConsoleConfigurationError.self) { try ConsoleServer.check(mtls, hasTLS: false) }
        #expect(throws: Never.self) { try ConsoleServer.check(mtls, hasTLS: true) }
    }

    @Test("proxy: only listed peers; no header 401; a header from an unlisted peer 403; roles from the policy")
    func proxyMode() async throws {
        let fixture = try await ConsoleFixture(
            configure: { $0.auth = .proxy; $0.proxyPeers = [AddressRange(parsing: "10.0.0.5")!, AddressRange(parsing: "fd00::/8")!] },
            policy: Self.policy)
        let alice: HTTPHeaders = ["X-Forwarded-User": "alice@example.com"]
        #expect(await fixture.get("/", headers: alice, peer: "10.0.0.5").status == .ok)
        #expect(await fixture.get("/", headers: alice, peer: "fd12::1").status == .ok)
        #expect(await fixture.get("/", headers: ["x-forwarded-user": "alice@example.com"], peer: "10.0.0.5").status == .ok)
        #expect(await fixture.get("/", headers: alice, peer: "10.0.0.6").status == .forbidden)
        #expect(await fixture.get("/", headers: alice, peer: "127.0.0.1").status == .forbidden)
        #expect(await fixture.get("/", headers: alice, peer: nil).status == .forbidden)
        #expect(await fixture.get("/", peer: "10.0.0.5").status == .unauthorized)
        #expect(await fixture.get("/", headers: ["X-Forwarded-User": "  "], peer: "10.0.0.5").status == .unauthorized)
        #expect(await fixture.get("/", headers: ["X-Forwarded-User": "a", "x-forwarded-user": "b"], peer: "10.0.0.5").status == .unauthorized)
        // An identity the policy does not know, and a migrator (which may not list migrations).
        #expect(await fixture.get("/", headers: ["X-Forwarded-User": "mallory"], peer: "10.0.0.5").status == .forbidden)
        #expect(await fixture.get("/", headers: ["X-Forwarded-User": "spiffe://loom.dev/migrator/x"], peer: "10.0.0.5").status == .forbidden)
        let page = await fixture.get("/", headers: alice, peer: "10.0.0.5").bodyText
        #expect(page.contains("alice@example.com (viewer)"))
    }

    @Test("mtls: the certificate identity and its roles; no certificate 401")
    func mtlsMode() async throws {
        let fixture = try await ConsoleFixture(configure: { $0.auth = .mtls }, policy: Self.policy)
        #expect(await fixture.get("/").status == .unauthorized)
        #expect(await fixture.get("/", identity: PeerIdentity(value: "spiffe://loom.dev/operator", source: .uri)).status == .ok)
        #expect(await fixture.get("/", identity: PeerIdentity(value: "spiffe://loom.dev/stranger", source: .uri)).status == .forbidden)
        // A migrator reads only the migrations it owns: this one has no owner.
        let migrator = PeerIdentity(value: "spiffe://loom.dev/migrator/x", source: .uri)
        #expect(await fixture.get("/migrations/app-chart-migration", identity: migrator).status == .forbidden)
    }

    @Test("event streams: up to the limit open, one more refused with 503, a place freed when one ends")
    func eventStreamLimit() async throws {
        let fixture = try await ConsoleFixture(configure: { $0.maxEventStreams = 2 })
        var open: [ConsoleResponse] = []
        for _ in 0..<2 {
            let response = await fixture.get("/events/migrations/app-chart-migration", html: false)
            #expect(response.status == .ok)
            #expect(response.headers.first(name: "content-type") == "text/event-stream; charset=utf-8")
            open.append(response)
        }
        #expect(fixture.router.streams.openStreams == 2)
        let refused = await fixture.get("/events/migrations/app-chart-migration", html: false)
        #expect(refused.status == .serviceUnavailable)
        #expect(refused.bodyText.contains("too many live views open (2)"))
        // A stream that fails to open (unknown migration) holds no place.
        #expect(fixture.router.streams.openStreams == 2)

        guard case .events(let events, let release) = open.removeFirst().body else {
            Issue.record("not a stream")
            return
        }
        var iterator = events.makeAsyncIterator()
        #expect(try await iterator.next() == "retry: 3000\n\n")
        let first = try await iterator.next() ?? ""
        #expect(first.hasPrefix("event: migration\ndata: {"))
        release()
        release()  // Idempotent: one place back.
        #expect(fixture.router.streams.openStreams == 1)
        #expect(await fixture.get("/events/migrations/app-chart-migration", html: false).status == .ok)
        #expect(await fixture.get("/events/migrations/missing", html: false).status == .serviceUnavailable)
    }

    @Test("a missing migration or run has no stream and takes no place")
    func streamOfMissing() async throws {
        let fixture = try await ConsoleFixture(configure: { $0.maxEventStreams = 1 })
        #expect(await fixture.get("/events/migrations/missing", html: false).status == .notFound)
        #expect(await fixture.get("/events/migrations/app-chart-migration/candidates/billing-api", html: false).status == .notFound)
        #expect(fixture.router.streams.openStreams == 0)
    }

    @Test("address ranges: IPv4, IPv6, mapped IPv4, bad entries named")
    func addressRanges() throws {
        let range = try #require(AddressRange(parsing: "10.0.0.0/8"))
        #expect(range.contains(IPAddress(parsing: "10.255.0.1")!))
        #expect(range.contains(IPAddress(parsing: "::ffff:10.1.1.1")!))
        #expect(!range.contains(IPAddress(parsing: "11.0.0.1")!))
        #expect(!range.contains(IPAddress(parsing: "::1")!))
        #expect(AddressRange(parsing: "10.0.0.0/33") == nil)
        #expect(AddressRange(parsing: "fd00::/129") == nil)
        #expect(AddressRange(parsing: "proxy.internal") == nil)
        guard case .failure(let error) = AddressRange.parseList("10.0.0.1, nope") else {
            Issue.record("accepted a bad entry")
            return
        }
        #expect(error.message.contains("\"nope\""))
    }
}
