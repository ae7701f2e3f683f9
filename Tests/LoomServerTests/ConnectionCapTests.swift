import Foundation
import Logging
import LoomTestSupport
import NIOConcurrencyHelpers
import Testing

@testable import LoomServer

/// The connection cap of a whole in-process server: one budget for the RPC server and the shim, each listener held
/// below it by a reserve, so an RPC flood leaves the shim's health endpoints reachable.
@Suite("loom-server connection cap", .serialized, .timeLimit(.minutes(1)))
struct ConnectionCapTests {
    static func configuration() -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.insecure = true
        configuration.rpcAddress = .init(host: "127.0.0.1", port: 0)
        configuration.httpAddress = .init(host: "127.0.0.1", port: 0)
        configuration.replicaID = "connection-cap-test"
        // 4 in all, a reserve of 1: each listener holds at most 3.
        configuration.maxConnections = 4
        configuration.maxConnectionsPerPeer = 4
        return configuration
    }

    @Test("RPC connections up to the cap are served, the next is closed at once; existing ones, /healthz and /readyz still answer, also past the budget")
    func rpcFloodLeavesHealthReachable() async throws {
        let failures = NIOLockedValueBox<[String]>([])
        try await LoomServerApp.run(Self.configuration(), logger: LoomHarness.quietLogger, shutdownSignals: []) { group, rpcPort, httpPort in
            do {
                var held: [RawTCPClient] = []
                for _ in 0..<3 {
                    let connection = try await RawTCPClient.open(port: rpcPort)
                    try await connection.ping()
                    held.append(connection)
                }
                let overCap = try await RawTCPClient.open(port: rpcPort)
                try await overCap.waitClosed()
                try await held[0].ping()

                // The shim gets the reserve: health, readiness and metrics answer while RPC is at its share.
                let probe = try await RawTCPClient.open(port: httpPort)
                let health = try await probe.get("/healthz")
                let ready = try await probe.get("/readyz")
                let metrics = try await probe.get("/metrics")
                if health.status != 200 { failures.withLockedValue { $0.append("/healthz answered \(health.status)") } }
                if ready.status != 200 { failures.withLockedValue { $0.append("/readyz answered \(ready.status)") } }
                if !metrics.body.contains(#"loom_connections_refused_total{listener="rpc",reason="max_connections"}"#) {
                    failures.withLockedValue { $0.append("/metrics has no refusal counter:\n\(metrics.body)") }
                }
                // The budget is used up now (3 RPC + 1 shim). Past it, the shim still answers health probes, on
                // connections that serve one probe and close; anything else gets 503.
                let rpcOverBudget = try await RawTCPClient.open(port: rpcPort)
                try await rpcOverBudget.waitClosed()
                let probeOnly = try await RawTCPClient.open(port: httpPort)
                let lateHealth = try await probeOnly.get("/readyz")
                if lateHealth.status != 200 { failures.withLockedValue { $0.append("/readyz past the budget answered \(lateHealth.status)") } }
                try await probeOnly.waitClosed()
                let notAProbe = try await RawTCPClient.open(port: httpPort)
                let refused = try await notAProbe.get("/migrations")
                if refused.status != 503 || !refused.body.contains("--max-connections") {
                    failures.withLockedValue { $0.append("a request past the budget got \(refused.status) \(refused.body)") }
                }
                try await notAProbe.waitClosed()
                try await held[2].ping()
                for connection in held + [probe] { await connection.close() }
            } catch {
                failures.withLockedValue { $0.append("\(error)") }
            }
            await group.triggerGracefulShutdown()
        }
        #expect(failures.withLockedValue { $0 } == [])
    }
}
