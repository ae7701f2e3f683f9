import LoomTestSupport
import LoomTLS
import NIOPosix
import Testing

@testable import LoomServer

@Suite("Startup warnings", .timeLimit(.minutes(1)))
struct StartupWarningTests {
    @Test("--callback-auth none is warned about exactly once when the server starts")
    func callbackAuthNoneWarnsOnce() async throws {
        var configuration = ServerConfiguration()
        configuration.insecure = true
        configuration.callbackAuth = .none
        configuration.rpcAddress = .init(host: "127.0.0.1", port: 0)
        configuration.httpAddress = .init(host: "127.0.0.1", port: 0)
        try configuration.validate()
        let logs = CapturedLogs()
        let logger = logs.logger()
        let group = MultiThreadedEventLoopGroup.singleton
        let resources = ServerResources(logger: logger)
        let parts = try await Parts.make(configuration, group: group, resources: resources, logger: logger)
        let shim = try await parts.startShim(configuration, limits: ConnectionLimits(), group: group, logger: logger)
        try await shim.shutdown()
        await resources.stopAll()

        let warnings = logs.entries.filter {
            $0.level >= .warning && $0.message.lowercased().contains("callback auth")
        }
        #expect(warnings.count == 1, "\(warnings.map(\.message))")
        #expect(warnings.first?.message.contains("mode none") == true)
    }

    @Test("--shim-anonymous-announce is warned about exactly once when the server starts, and off by default")
    func anonymousAnnounceWarnsOnce() async throws {
        for enabled in [false, true] {
            var configuration = ServerConfiguration()
            configuration.insecure = true
            configuration.shimAnonymousAnnounce = enabled
            try configuration.validate()
            let logs = CapturedLogs()
            let logger = logs.logger()
            let resources = ServerResources(logger: logger)
            _ = try await Parts.make(configuration, group: MultiThreadedEventLoopGroup.singleton, resources: resources, logger: logger)
            await resources.stopAll()
            let warnings = logs.entries.filter { $0.level >= .warning && $0.message.contains("--shim-anonymous-announce") }
            #expect(warnings.count == (enabled ? 1 : 0), "\(warnings.map(\.message))")
        }
    }
}
