import LoomServer
import Testing

@Suite("Server configuration: the console")
struct ConsoleServerConfigurationTests {
    @Test("the console is off by default; auth none only on loopback; proxy needs peers; mtls needs --tls-ca; each error names the flag")
    func validation() throws {
        var c = ServerConfiguration()
        c.insecure = true
        #expect(c.console == nil)
        try c.validate()

        c.consoleAddress = try .init(parsing: "127.0.0.1:8090")
        try c.validate()
        #expect(c.console?.port == 8090)
        c.consoleAddress = try .init(parsing: "[::1]:0")
        try c.validate()

        var cases: [(ServerConfiguration, String)] = []
        var bad = c
        bad.consoleAddress = try .init(parsing: ":8090")
        cases.append((bad, "--console-auth none is only allowed on a loopback address"))
        bad = c
        bad.consoleAuth = .proxy
        cases.append((bad, "--console-proxy-peers"))
        bad = c
        bad.consoleAuth = .mtls
        cases.append((bad, "--console-auth mtls needs --tls-cert, --tls-key and --tls-ca"))
        bad = c
        bad.consoleProxyHeader = "X Bad:Header"
        cases.append((bad, "--console-proxy-header"))
        for (configuration, message) in cases {
            #expect(throws: ConfigurationError.self) { try configuration.validate() }
            do {
                try configuration.validate()
            } catch {
                #expect(error.message.contains(message), "\(error.message)")
            }
        }
    }
}
