import LoomAPIService
import LoomConsole
import LoomCore
import LoomStores
import LoomTLS
import LoomTestSupport
import NIOHTTP1

/// A console router over an in-memory service, with the fixture migration announced.
struct ConsoleFixture {
    static let hostile = "<img src=x onerror=alert(1)>"
    static let migrationId = "app-chart-migration"
    static let runID = "app-chart-migration__billing-api"

    let harness: LoomHarness
    var router: ConsoleRouter

    init(
        configure: (inout ConsoleConfiguration) -> Void = { _ in }, policy: AuthorizationPolicy? = nil,
        candidates: [Candidate] = [Fixtures.candidate("billing-api", metadata: ["name": ConsoleFixture.hostile])],
        formKey: (@Sendable () -> [UInt8]?)? = nil
    ) async throws {
        harness = LoomHarness(store: InMemoryStore())
        try await harness.announce(candidates: candidates)
        var configuration = ConsoleConfiguration()
        configure(&configuration)
        let clock = harness.clock
        router = ConsoleRouter(
            service: harness.service, access: CallerAccess(policy: policy), configuration: configuration, formKey: formKey, now: { clock.now() },
            logger: LoomHarness.quietLogger)
    }

    /// GET `uri` (as a browser when `html`).
    func get(_ uri: String, html: Bool = true, headers: HTTPHeaders = [:], peer: String? = "127.0.0.1", identity: PeerIdentity? = nil) async -> ConsoleResponse {
        var headers = headers
        if html { headers.add(name: "accept", value: "text/html,application/xhtml+xml") }
        return await router.respond(
            to: ConsoleRequest(method: .GET, uri: uri, headers: headers, peerAddress: peer.flatMap(IPAddress.init(parsing:)), peerIdentity: identity))
    }
}
