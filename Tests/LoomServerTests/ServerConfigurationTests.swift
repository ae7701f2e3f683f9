import LoomServer
import Testing

@Suite("Server configuration")
struct ServerConfigurationTests {
    @Test("addresses parse host:port, [v6]:port and :port; bad ones are refused")
    func addresses() throws {
        #expect(try ServerConfiguration.Address(parsing: "127.0.0.1:7443") == .init(host: "127.0.0.1", port: 7443))
        #expect(try ServerConfiguration.Address(parsing: "[::1]:80") == .init(host: "::1", port: 80))
        #expect(try ServerConfiguration.Address(parsing: ":8080") == .init(host: "0.0.0.0", port: 8080))
        for bad in ["localhost", "host:99999", "host:x", "[::1]80"] {
            #expect(throws: ConfigurationError.self) { try ServerConfiguration.Address(parsing: bad) }
        }
    }

    @Test(
        "invalid combinations are refused with a message naming the flag",
        arguments: [
            ({ (c: inout ServerConfiguration) in c.insecure = false }, "--tls-cert"),
            ({ (c: inout ServerConfiguration) in c.insecure = true; c.tls = .init(certificatePath: "/nonexistent.pem", privateKeyPath: "/k", trustedCAPath: nil) }, "no such file"),
            ({ (c: inout ServerConfiguration) in c.insecure = true; c.policyPath = "/nonexistent.json" }, "--policy"),
            ({ (c: inout ServerConfiguration) in c.insecure = true; c.redisURL = "http://x" }, "--redis"),
            ({ (c: inout ServerConfiguration) in c.insecure = true; c.callbackAuth = .mtls }, "--callback-auth mtls"),
            ({ (c: inout ServerConfiguration) in c.insecure = true; c.maxMessageSize = 10 }, "--max-message-size"),
            ({ (c: inout ServerConfiguration) in c.insecure = true; c.publicURL = "ftp://x" }, "--public-url"),
        ] as [(@Sendable (inout ServerConfiguration) -> Void, String)])
    func invalid(change: @Sendable (inout ServerConfiguration) -> Void, flag: String) {
        var configuration = ServerConfiguration()
        change(&configuration)
        #expect {
            try configuration.validate()
        } throws: { error in
            (error as? ConfigurationError)?.message.contains(flag) == true
        }
    }

    @Test("an insecure in-memory server is a valid configuration")
    func minimal() throws {
        var configuration = ServerConfiguration()
        configuration.insecure = true
        try configuration.validate()
    }
}
