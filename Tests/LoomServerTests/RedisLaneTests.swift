import Logging
import LoomAPI
import LoomCore
import LoomProto
import LoomRPC
import LoomTestSupport
import LoomTLS
import NIOPosix
import Testing

@testable import LoomServer
@testable import LoomStores

/// Issue #16 item 5: slow client reads never hold up the orchestrator (two Redis lanes), and one
/// caller cannot have more than `--max-reads-per-caller` expensive reads in flight.
///
/// The server is composed as `loom-server` composes it (``Parts``) on a real redis-server reached
/// through a ``StallingProxy`` that holds every candidate listing (the `candidatePage` script) in
/// Redis until the test releases it: a read as slow as the test wants, and every command behind it
/// on its connection waits too.
@Suite("Redis lanes and the per-caller read bound", .timeLimit(.minutes(1)))
struct RedisLaneTests {
    struct TimedOut: Error, CustomStringConvertible {
        var what: String
        var description: String { "\(what) did not complete within 3 s" }
    }

    /// `body`'s result, or ``TimedOut`` when it takes longer than 3 s (an assertion bound; nothing
    /// waits on this clock to synchronise).
    static func promptly<T: Sendable>(_ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .seconds(3))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw TimedOut(what: what) }
            return value
        }
    }

    static func configuration(redisPort: Int) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.insecure = true
        configuration.rpcAddress = .init(host: "127.0.0.1", port: 0)
        configuration.httpAddress = .init(host: "127.0.0.1", port: 0)
        configuration.redisURL = "redis://127.0.0.1:\(redisPort)/0"
        configuration.redisConnections = 2
        configuration.redisReadConnections = 2
        return configuration
    }

    static let migration = LoomCore.Migration(
        id: "lanes", migratorUrl: "http://127.0.0.1:9", candidates: (0..<4).map { LoomCore.Candidate(id: "c\($0)", kind: "service") },
        steps: [StepDefinition(name: "only", type: "noop")])

    @Test("with every read connection held by slow listings, a start (transition) and a timer claim complete promptly")
    func transitionsBypassSlowReads() async throws {
        let redis = try await RedisServerFixture.start()
        defer { redis.stop() }
        let proxy = try await StallingProxy.start(forwardingTo: redis.port, stallingAt: RedisStoreScripts.candidatePage.sha1)
        let configuration = Self.configuration(redisPort: proxy.port)
        try configuration.validate()
        let resources = ServerResources(logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let parts = try await Parts.make(
            configuration, group: MultiThreadedEventLoopGroup.singleton, resources: resources,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let service = parts.service
        _ = try await service.announce(Self.migration)

        // Eight listings over two read connections: both connections hold a stalled read, and
        // the other listings wait behind them.
        let listings = Task {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 { group.addTask { try await service.listCandidates(migrationId: "lanes").candidates.count } }
                return try await group.reduce(0, +)
            }
        }
        await proxy.waitUntilStalled(connections: 2)

        let run = try await Self.promptly("StartRun") { try await service.startRun(migrationId: "lanes", candidateId: "c0") }
        #expect(run.status == .running)
        #expect(try await Self.promptly("GetRun") { try await service.run(migrationId: "lanes", candidateId: "c0") }.id == run.id)
        let store = parts.store
        let partition = StorePartitioning.partition(ofMigration: "lanes", count: store.timerPartitionCount)
        let claimed = try await Self.promptly("a timer claim") {
            try await store.claimDueTimers(partition: partition, now: SystemWallClock().now() + .seconds(3600), lease: .seconds(30), limit: 16)
        }
        #expect(claimed.contains { $0.runID == run.id })

        proxy.release()
        #expect(try await listings.value == 8 * 4)
        await parts.orchestrator.waitUntilIdle()
        await resources.stopAll()
        await proxy.stop()
    }

    @Test("a caller may have --max-reads-per-caller expensive reads in flight; one more is RESOURCE_EXHAUSTED, another caller is not affected")
    func readsPerCallerAreBounded() async throws {
        let ca = try TestCertificateAuthority.shared()
        let redis = try await RedisServerFixture.start()
        defer { redis.stop() }
        let proxy = try await StallingProxy.start(forwardingTo: redis.port, stallingAt: RedisStoreScripts.candidatePage.sha1)
        var configuration = Self.configuration(redisPort: proxy.port)
        configuration.insecure = false
        configuration.tls = .init(certificatePath: ca.server.chainPath, privateKeyPath: ca.server.keyPath, trustedCAPath: ca.caPath)
        configuration.maxReadsPerCaller = 2
        try configuration.validate()
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let resources = ServerResources(logger: quiet)
        let group = MultiThreadedEventLoopGroup.singleton
        let parts = try await Parts.make(configuration, group: group, resources: resources, logger: quiet)
        _ = try await parts.service.announce(Self.migration)
        let plan = try ConnectionPlan.resolve(configuration, openFiles: 4096)
        let server = try await parts.bindRPC(configuration, limits: plan.limits(budget: plan.makeBudget()), group: group, logger: quiet)
        let port = try #require(server.localAddress?.port)

        func client(_ credential: TestCertificateAuthority.Credential) throws -> LoomClient {
            let context = try TLSContext.client(
                .defaults {
                    $0.certificates = .init(chainPath: credential.chainPath, privateKeyPath: credential.keyPath)
                    $0.trustRootsPath = ca.caPath
                    $0.alpnProtocols = [RPCTransportSecurity.alpnProtocol]
                })
            return LoomClient(host: "127.0.0.1", port: port, configuration: .defaults(transportSecurity: .tls(context, serverHostname: "localhost")))
        }
        let viewer = try client(ca.viewerClient)
        let operatorClient = try client(ca.operatorClient)
        let listing = ListCandidatesRequest(migrationID: "lanes")

        // At the limit: two listings in flight (both reached Redis, where they are held).
        let held = (0..<2).map { _ in Task { try await viewer.listCandidates(listing).candidates.count } }
        await proxy.waitUntilStalled(commands: 2)

        // One over: refused at once, naming the limit; nothing reached Redis.
        let refused = await #expect(throws: RPCError.self) { _ = try await Self.promptly("a third listing") { try await viewer.listCandidates(listing) } }
        #expect(refused?.code == .resourceExhausted)
        #expect(refused?.message.contains("--max-reads-per-caller 2") == true)
        #expect(refused?.message.contains("ListCandidates") == true)
        let refusedHistory = await #expect(throws: RPCError.self) {
            _ = try await Self.promptly("GetRunHistory") {
                try await viewer.getRunHistory(GetRunHistoryRequest(migrationID: "lanes", candidateID: "c0"))
            }
        }
        #expect(refusedHistory?.code == .resourceExhausted)
        #expect(proxy.markersSeen == 2)
        // GetRun is not bounded (one key read) and does not share the held reads' connections: the
        // viewer gets its answer at once (NOT_FOUND: no run yet).
        let getRun = await #expect(throws: RPCError.self) {
            _ = try await Self.promptly("GetRun") { try await viewer.getRun(GetRunRequest(migrationID: "lanes", candidateID: "c0")) }
        }
        #expect(getRun?.code == .notFound)

        // Another caller has its own allowance: its listing is admitted (and reaches Redis).
        let other = Task { try await operatorClient.listCandidates(listing).candidates.count }
        await proxy.waitUntilStalled(commands: 3)

        proxy.release()
        for task in held { #expect(try await task.value == 4) }
        #expect(try await other.value == 4)
        // The finished reads gave their slots back.
        let again = try await viewer.listCandidates(listing)
        #expect(again.candidates.count == 4)

        await viewer.close()
        await operatorClient.close()
        await server.close()
        await resources.stopAll()
        await proxy.stop()
    }
}
