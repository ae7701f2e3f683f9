import Foundation
import Logging
import LoomCore
@testable import LoomAPIService
import LoomHTTP
import LoomStores
import LoomTestSupport
import LoomTLS
import NIOCore
import NIOHTTP1
import Testing

/// The REST shim's security matrix (#16 item 1): anonymous, wrong identity and right identity
/// (by client certificate and by policy bearer credential) × announce, submit, event × every
/// callback auth mode, through the real router, backend, authorization and service.
///
/// Before the fix an anonymous `POST /registry/announce` replaced the `migratorUrl` of a migration
/// owned over mTLS, and an anonymous submission injected candidates.
@Suite("REST shim: who may announce, submit and report", .timeLimit(.minutes(1)))
struct ShimAccessMatrixTests {
    static let owner = "spiffe://loom.dev/migrator/owner"
    static let other = "spiffe://loom.dev/migrator/other"
    static let ownerToken = "owner-credential-0123456789abcdef0123456789abcdef"
    static let otherToken = "other-credential-0123456789abcdef0123456789abcdef"
    static let migrationId = "app-chart-migration"
    static let originalURL = "http://app-chart-migrator:3001"

    static func sha256Hex(_ text: String) -> String {
        SHA256.hash(Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static var policy: AuthorizationPolicy {
        get throws {
            try AuthorizationPolicy.parse(Data("""
                {
                  "identities": [
                    { "uri": "spiffe://loom.dev/migrator/*", "roles": ["migrator"] },
                    { "uri": "spiffe://loom.dev/viewer", "roles": ["viewer"] }
                  ],
                  "credentials": [
                    { "uri": "\(owner)", "sha256": "\(sha256Hex(ownerToken))" },
                    { "uri": "\(other)", "sha256": "\(sha256Hex(otherToken))" },
                    { "uri": "spiffe://loom.dev/viewer", "sha256": "\(sha256Hex("viewer-token"))" }
                  ]
                }
                """.utf8))
        }
    }

    /// How a caller presents itself on announce and submit.
    enum Caller: String, CaseIterable, CustomTestStringConvertible {
        case anonymous, unknownBearer, otherByCertificate, otherByCredential, ownerByCertificate, ownerByCredential

        var testDescription: String { rawValue }

        var identity: PeerIdentity? {
            switch self {
            case .otherByCertificate: PeerIdentity(value: ShimAccessMatrixTests.other, source: .uri)
            case .ownerByCertificate: PeerIdentity(value: ShimAccessMatrixTests.owner, source: .uri)
            default: nil
            }
        }

        var bearer: String? {
            switch self {
            case .unknownBearer: "not-a-credential"
            case .otherByCredential: ShimAccessMatrixTests.otherToken
            case .ownerByCredential: ShimAccessMatrixTests.ownerToken
            default: nil
            }
        }

        var isOwner: Bool { self == .ownerByCertificate || self == .ownerByCredential }
    }

    struct Setup {
        let harness: LoomHarness
        let router: CallbackShimRouter

        init(mode: CallbackShimConfiguration.CallbackAuthMode, legacyAnonymous: Bool) async throws {
            harness = LoomHarness(store: InMemoryStore())
            var migration = Fixtures.migration(url: ShimAccessMatrixTests.originalURL)
            migration.candidates = [Fixtures.candidate()]
            _ = try await harness.service.announce(migration, owner: ShimAccessMatrixTests.owner)
            let access = CallerAccess(policy: try ShimAccessMatrixTests.policy)
            router = CallbackShimRouter(
                backend: ServiceShimBackend(
                    service: harness.service,
                    authorizer: ShimMigratorAccess(access: access, allowsAnonymous: legacyAnonymous)),
                authMode: mode, readiness: { true }, registry: nil, logger: LoomHarness.quietLogger)
        }

        func post(_ path: String, _ body: String, identity: PeerIdentity?, bearer: String?) async -> ShimResponse {
            var headers: HTTPHeaders = ["content-type": "application/json"]
            if let bearer { headers.add(name: "authorization", value: "Bearer \(bearer)") }
            return await router.respond(
                to: ShimRequest(method: .POST, uri: path, headers: headers, body: ByteBuffer(string: body), peerIdentity: identity))
        }

        func migratorURL() async throws -> String {
            try await harness.service.migrationDefinition(id: ShimAccessMatrixTests.migrationId).migratorUrl
        }

        func candidateIDs() async throws -> Set<String> {
            Set(try await harness.store.allCandidates(of: ShimAccessMatrixTests.migrationId).map(\.id))
        }
    }

    static let takeover = """
        {"id":"app-chart-migration","name":"App chart","migratorUrl":"http://attacker.example:9",
         "steps":[{"name":"disable-sync-prune","migratorApp":"x"},{"name":"swap-chart","migratorApp":"x"},
                  {"name":"review-swap-chart","migratorApp":"x"}]}
        """
    static let injection = #"{"candidates":[{"id":"injected","kind":"application"}]}"#

    @Test(
        "announce and submit: only the owner changes its migration, in every callback auth mode",
        arguments: CallbackShimConfiguration.CallbackAuthMode.allCases, Caller.allCases)
    func announceAndSubmit(mode: CallbackShimConfiguration.CallbackAuthMode, caller: Caller) async throws {
        let setup = try await Setup(mode: mode, legacyAnonymous: false)
        let announced = await setup.post("/registry/announce", Self.takeover, identity: caller.identity, bearer: caller.bearer)
        let submitted = await setup.post(
            "/migrations/\(Self.migrationId)/candidates", Self.injection, identity: caller.identity, bearer: caller.bearer)
        switch caller {
        case .anonymous, .unknownBearer:
            #expect(announced.status == .unauthorized)
            #expect(submitted.status == .unauthorized)
            #expect(announced.headers.first(name: "www-authenticate") == #"Bearer realm="loom""#)
        case .otherByCertificate, .otherByCredential:
            #expect(announced.status == .forbidden)
            #expect(submitted.status == .forbidden)
        case .ownerByCertificate, .ownerByCredential:
            #expect(announced.status == .ok)
            #expect(submitted.status == .noContent)
        }
        #expect(try await setup.migratorURL() == (caller.isOwner ? "http://attacker.example:9" : Self.originalURL))
        #expect(try await setup.candidateIDs().contains("injected") == caller.isOwner)
    }

    @Test("legacy anonymous mode: anonymous callers create and feed unowned migrations, never owned ones")
    func legacyAnonymous() async throws {
        let setup = try await Setup(mode: .none, legacyAnonymous: true)
        #expect(await setup.post("/registry/announce", Self.takeover, identity: nil, bearer: nil).status == .forbidden)
        #expect(
            await setup.post("/migrations/\(Self.migrationId)/candidates", Self.injection, identity: nil, bearer: nil).status
                == .forbidden)
        #expect(try await setup.migratorURL() == Self.originalURL)
        #expect(try await !setup.candidateIDs().contains("injected"))

        // A bearer that is no credential is refused even here: it is never taken for anonymous.
        let fresh = Self.takeover.replacingOccurrences(of: "app-chart-migration", with: "legacy-migration")
        #expect(await setup.post("/registry/announce", fresh, identity: nil, bearer: "guess").status == .unauthorized)
        #expect(await setup.post("/registry/announce", fresh, identity: nil, bearer: nil).status == .ok)
        #expect(try await setup.harness.service.migrationDefinition(id: "legacy-migration").owner == "")
        #expect(
            await setup.post("/migrations/legacy-migration/candidates", Self.injection, identity: nil, bearer: nil).status
                == .noContent)
    }

    @Test("an identity whose roles do not allow Announce is refused with 403, credential or certificate")
    func roleWithoutAnnounce() async throws {
        let setup = try await Setup(mode: .token, legacyAnonymous: false)
        let viewer = PeerIdentity(value: "spiffe://loom.dev/viewer", source: .uri)
        #expect(await setup.post("/registry/announce", Self.takeover, identity: viewer, bearer: nil).status == .forbidden)
        #expect(await setup.post("/registry/announce", Self.takeover, identity: nil, bearer: "viewer-token").status == .forbidden)
        #expect(try await setup.migratorURL() == Self.originalURL)
    }

    /// Events: in mode `token` the dispatch's callback token is the credential (whoever presents
    /// it); in mode `mtls` the owner's certificate; mode `none` is the reference's open door.
    @Test(
        "events: each callback auth mode accepts exactly its credential",
        arguments: CallbackShimConfiguration.CallbackAuthMode.allCases, Caller.allCases)
    func events(mode: CallbackShimConfiguration.CallbackAuthMode, caller: Caller) async throws {
        let setup = try await Setup(mode: mode, legacyAnonymous: false)
        _ = try await setup.harness.service.startRun(
            migrationId: Self.migrationId, candidateId: "billing-api", inputs: ["repoName": "billing-api"])
        await setup.harness.settle()
        let runID = "\(Self.migrationId)__billing-api"
        let token = try #require(setup.harness.migrator.dispatches(of: "disable-sync-prune").last?.callbackToken)
        let event = #"{"stepName":"disable-sync-prune","candidateId":"billing-api","success":true}"#
        // In token mode the bearer on an event is a callback token: the owner's migrator
        // credential is not one.
        let response = await setup.post("/event/\(runID)", event, identity: caller.identity, bearer: caller.bearer)
        let expected: HTTPResponseStatus
        switch (mode, caller) {
        case (.none, _): expected = .accepted
        case (.token, _): expected = .unauthorized
        case (.mtls, .ownerByCertificate): expected = .accepted
        case (.mtls, .otherByCertificate): expected = .forbidden
        case (.mtls, _): expected = .unauthorized
        }
        #expect(response.status == expected)
        if mode == .token {
            // The dispatch's callback token is accepted from anyone, certificate or not.
            let withToken = await setup.post("/event/\(runID)", event, identity: caller.identity, bearer: token)
            #expect(withToken.status == .accepted)
        }
        let step = try await setup.harness.service.run(migrationId: Self.migrationId, candidateId: "billing-api").results.first
        #expect((step?.status == .completed) == (expected == .accepted || mode == .token))
    }
}
