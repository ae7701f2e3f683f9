import LoomHTTP
import Testing

@Suite("Migrator URL parsing")
struct MigratorEndpointTests {
    @Test("valid URLs", arguments: [
        ("http://app-chart-migrator:3001", MigratorEndpoint.Scheme.http, "app-chart-migrator", 3001, ""),
        ("https://m.example", .https, "m.example", 443, ""),
        ("http://m.example/base/", .http, "m.example", 80, "/base"),
        ("HTTP://[::1]:8080/x", .http, "::1", 8080, "/x"),
    ])
    func valid(url: String, scheme: MigratorEndpoint.Scheme, host: String, port: Int, base: String) throws {
        let endpoint = try MigratorEndpoint(parsing: url)
        #expect(endpoint.scheme == scheme)
        #expect(endpoint.host == host)
        #expect(endpoint.port == port)
        #expect(endpoint.path("/dispatch-step") == base + "/dispatch-step")
    }

    @Test("Host header brackets IPv6 and omits default ports")
    func hostHeader() throws {
        #expect(try MigratorEndpoint(parsing: "http://[::1]:8080").hostHeader == "[::1]:8080")
        #expect(try MigratorEndpoint(parsing: "https://m:443").hostHeader == "m")
    }
}
