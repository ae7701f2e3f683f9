import LoomTestSupport
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
        let parts = try await Parts.make(configuration, group: group, logger: logger)
        let shim = try await parts.startShim(configuration, group: group, logger: logger)
        try await shim.shutdown()

        let warnings = logs.entries.filter {
            $0.level >= .warning && $0.message.lowercased().contains("callback auth")
        }
        #expect(warnings.count == 1, "\(warnings.map(\.message))")
        #expect(warnings.first?.message.contains("mode none") == true)
    }
}
