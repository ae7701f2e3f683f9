import Logging
import LoomTestSupport
import Testing

@testable import LoomServer

@Suite("Connection limits from the flags and the open-file limit")
struct ConnectionPlanTests {
    @Test("derived from the open-file limit: an eighth (at least 128) kept back, at most 10,000 connections")
    func derived() throws {
        let small = try ConnectionPlan.resolve(ServerConfiguration(), openFiles: 1024)
        #expect(small == ConnectionPlan(maxConnections: 896, reserve: 56, maxConnectionsPerPeer: 112, maxHandshakes: 224))
        let large = try ConnectionPlan.resolve(ServerConfiguration(), openFiles: 65_536)
        #expect(large == ConnectionPlan(maxConnections: 10_000, reserve: 64, maxConnectionsPerPeer: 1250, maxHandshakes: 2500))
        let tiny = try ConnectionPlan.resolve(ServerConfiguration(), openFiles: 144)
        #expect(tiny == ConnectionPlan(maxConnections: 16, reserve: 1, maxConnectionsPerPeer: 4, maxHandshakes: 4))
        #expect(throws: ConfigurationError.self) { try ConnectionPlan.resolve(ServerConfiguration(), openFiles: 143) }
    }

    @Test("an explicit --max-connections: at what the open-file limit allows it is taken, one more is refused naming the flag")
    func explicitAtTheLimit() throws {
        var configuration = ServerConfiguration()
        configuration.maxConnections = 896
        #expect(try ConnectionPlan.resolve(configuration, openFiles: 1024).maxConnections == 896)
        configuration.maxConnections = 897
        let error = #expect(throws: ConfigurationError.self) { try ConnectionPlan.resolve(configuration, openFiles: 1024) }
        #expect(error?.message.hasPrefix("--max-connections 897 needs more file descriptors than the open-file limit (1024)") == true)
        #expect(error?.message.contains("at most 896") == true)
    }

    @Test("explicit per-peer and handshake limits: up to --max-connections, not beyond")
    func explicitPeerAndHandshakes() throws {
        var configuration = ServerConfiguration()
        configuration.maxConnections = 100
        configuration.maxConnectionsPerPeer = 100
        configuration.maxHandshakes = 100
        let plan = try ConnectionPlan.resolve(configuration, openFiles: 4096)
        #expect(plan.maxConnectionsPerPeer == 100 && plan.maxHandshakes == 100)
        configuration.maxConnectionsPerPeer = 101
        let peer = #expect(throws: ConfigurationError.self) { try ConnectionPlan.resolve(configuration, openFiles: 4096) }
        #expect(peer?.message == "--max-connections-per-peer (101) must not exceed --max-connections (100)")
        configuration.maxConnectionsPerPeer = nil
        configuration.maxHandshakes = 101
        let handshakes = #expect(throws: ConfigurationError.self) { try ConnectionPlan.resolve(configuration, openFiles: 4096) }
        #expect(handshakes?.message == "--max-handshakes (101) must not exceed --max-connections (100)")
    }

    @Test("validation: ranges of the connection flags, and the longest unary call covers a dry run")
    func validation() throws {
        func message(_ configure: (inout ServerConfiguration) -> Void) -> String? {
            var configuration = ServerConfiguration()
            configuration.insecure = true
            configuration.replicaID = "plan-test"
            configure(&configuration)
            do {
                try configuration.validate()
                return nil
            } catch {
                return error.message
            }
        }
        #expect(message { $0.maxConnections = 2 } == nil)
        #expect(message { $0.maxConnections = 1 } == "--max-connections must be between 2 and 1000000")
        #expect(message { $0.maxConnections = 1_000_001 } == "--max-connections must be between 2 and 1000000")
        #expect(message { $0.maxConnectionsPerPeer = 0 } == "--max-connections-per-peer must be between 1 and 1000000")
        #expect(message { $0.maxHandshakes = 0 } == "--max-handshakes must be between 1 and 1000000")
        #expect(message { $0.rpcMaxUnaryDuration = .seconds(60) } == nil)
        #expect(message { $0.rpcMaxUnaryDuration = .seconds(59) }?.hasPrefix("--rpc-max-unary-duration") == true)
        #expect(message { $0.rpcRequestTimeout = .zero } == "--rpc-request-timeout must be positive")
    }

    @Test("at start the soft open-file limit is raised to the hard one, logged, and a low limit is warned about")
    func prepareLogs() throws {
        let logs = CapturedLogs()
        var configuration = ServerConfiguration()
        configuration.maxConnections = 2
        let plan = try ConnectionPlan.prepare(configuration, logger: logs.logger())
        let raised = OpenFileLimit.raiseToHard()
        #expect(raised.current == raised.hard || raised.hard == Int.max, "the soft limit is at the hard one after prepare")
        let line = try #require(logs.entries("connection limits").first)
        #expect(line.metadata["open-files"] == "\(raised.current)")
        #expect(line.metadata["max-connections"] == "2")
        #expect(plan.maxConnections == 2)
        let warned = logs.entries.contains { $0.level == .warning && $0.message.hasPrefix("the open-file limit is low") }
        #expect(warned == (raised.current < ConnectionPlan.lowOpenFileLimit))
    }
}
