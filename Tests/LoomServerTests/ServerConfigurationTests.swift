import LoomAPIService
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

    @Test("invalid combinations are refused with a message naming the flag")
    func invalid() {
        var cases: [(ServerConfiguration, String)] = []
        var c = ServerConfiguration()
        cases.append((c, "--tls-cert"))
        c.insecure = true
        var bad = c
        bad.tls = .init(certificatePath: "/nonexistent.pem", privateKeyPath: "/k", trustedCAPath: nil)
        cases.append((bad, "no such file"))
        bad = c; bad.policyPath = "/nonexistent.json"; cases.append((bad, "--policy"))
        bad = c; bad.redisURL = "http://x"; cases.append((bad, "--redis"))
        bad = c; bad.callbackAuth = .mtls; cases.append((bad, "--callback-auth mtls"))
        bad = c; bad.maxMessageSize = 10; cases.append((bad, "--max-message-size"))
        bad = c; bad.publicURL = "ftp://x"; cases.append((bad, "--public-url"))
        for (configuration, flag) in cases {
            #expect {
                try configuration.validate()
            } throws: { error in
                (error as? ConfigurationError)?.message.contains(flag) == true
            }
        }
    }

    @Test("Redis lanes and the per-caller read bound: accepted at their limits, refused one over, naming the flag")
    func laneLimits() throws {
        var c = ServerConfiguration()
        c.insecure = true
        #expect(c.redisConnections == 4 && c.redisReadConnections == 4 && c.maxReadsPerCaller == CallerReadLimiter.defaultLimit)
        let limits: [(WritableKeyPath<ServerConfiguration, Int>, ClosedRange<Int>, String)] = [
            (\.redisConnections, 1...64, "--redis-connections"),
            (\.redisReadConnections, 1...64, "--redis-read-connections"),
            (\.maxReadsPerCaller, 1...10_000, "--max-reads-per-caller"),
        ]
        for (field, range, flag) in limits {
            for value in [range.lowerBound, range.upperBound] {
                var at = c
                at[keyPath: field] = value
                try at.validate()
            }
            for value in [range.lowerBound - 1, range.upperBound + 1] {
                var over = c
                over[keyPath: field] = value
                #expect {
                    try over.validate()
                } throws: { error in
                    (error as? ConfigurationError)?.message.contains(flag) == true
                }
            }
        }
    }

    @Test("--step-silence: seconds or s/m/h, off or 0 disables, 1 s to 30 days; anything else names the flag")
    func stepSilence() throws {
        #expect(ServerConfiguration().stepSilence == .seconds(900))
        let accepted: [(String, Duration?)] = [
            ("900", .seconds(900)), ("90s", .seconds(90)), ("15m", .seconds(900)), ("1.5h", .seconds(5400)), ("1H", .seconds(3600)),
            ("off", nil), ("OFF", nil), ("0", nil), ("0m", nil),
            ("1", .seconds(1)), ("720h", .seconds(30 * 24 * 3600)),  // the limits
        ]
        for (text, expected) in accepted {
            #expect(try ServerConfiguration.parseStepSilence(text) == expected, "\(text)")
        }
        // One over each limit, and text that is no duration.
        for bad in ["0.999", "0.5s", "721h", "2592001", "", "m", "soon", "15 min", "-5m", "1e3", "15d", "nan", " 15m"] {
            #expect("\(bad)") {
                _ = try ServerConfiguration.parseStepSilence(bad)
            } throws: { error in
                (error as? ConfigurationError)?.message.contains("--step-silence") == true
            }
        }
    }

    @Test("an insecure in-memory server is a valid configuration")
    func minimal() throws {
        var configuration = ServerConfiguration()
        configuration.insecure = true
        try configuration.validate()
    }
}
