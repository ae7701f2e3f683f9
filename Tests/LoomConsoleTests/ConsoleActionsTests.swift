import LoomAPIService
import LoomConsole
import LoomCore
import LoomTLS
import LoomTestSupport
import NIOHTTP1
import Testing

@Suite("Console actions: authorization as RPC, CSRF tokens, confirmation")
struct ConsoleActionsTests {
    static let operatorID = PeerIdentity(value: "spiffe://loom.dev/operator", source: .uri)
    static let viewerID = PeerIdentity(value: "spiffe://loom.dev/viewer", source: .uri)
    static let policy = AuthorizationPolicy(rules: [
        .init(kind: .uri, pattern: "spiffe://loom.dev/operator", roles: [.operator]),
        .init(kind: .uri, pattern: "spiffe://loom.dev/viewer", roles: [.viewer]),
    ])
    static let runPath = "/migrations/app-chart-migration/candidates/billing-api"

    /// A run waiting at its review step (the third), under mTLS with the policy.
    static func awaitingReview(formKey: (@Sendable () -> [UInt8]?)? = nil) async throws -> ConsoleFixture {
        let fixture = try await ConsoleFixture(configure: { $0.auth = .mtls }, policy: policy, formKey: formKey)
        let harness = fixture.harness
        _ = try await harness.service.startRun(migrationId: ConsoleFixture.migrationId, candidateId: "billing-api", inputs: ["repoName": "x"])
        await harness.settle()
        try await harness.event(ConsoleFixture.runID, step: "disable-sync-prune")
        await harness.settle()
        try await harness.event(ConsoleFixture.runID, step: "swap-chart")
        await harness.settle()
        try await harness.event(ConsoleFixture.runID, step: "review-swap-chart", phase: "awaiting_review")
        return fixture
    }

    static func token(in page: String) -> String? {
        guard let range = page.range(of: #"name="csrf" value=""#) else { return nil }
        return String(page[range.upperBound...].prefix { $0 != "\"" })
    }

    static func post(
        _ fixture: ConsoleFixture, _ path: String, _ form: String, as identity: PeerIdentity?, headers: HTTPHeaders = ["host": "console.example"]
    ) async -> ConsoleResponse {
        await fixture.router.respond(to: ConsoleRequest(method: .POST, uri: path, headers: headers, peerIdentity: identity, body: Array(form.utf8)))
    }

    @Test("an operator gets approve, reject and cancel; a viewer gets none and its forged POST is 403")
    func buttonsFollowTheRoles() async throws {
        let fixture = try await Self.awaitingReview()
        let operatorPage = await fixture.get(Self.runPath, identity: Self.operatorID).bodyText
        #expect(operatorPage.contains(#"action="/migrations/app-chart-migration/candidates/billing-api/approve""#))
        #expect(operatorPage.contains("Approve review-swap-chart"))
        #expect(operatorPage.contains(#"href="/migrations/app-chart-migration/candidates/billing-api/cancel""#))
        #expect(!operatorPage.contains("/retry"))
        let viewerPage = await fixture.get(Self.runPath, identity: Self.viewerID).bodyText
        #expect(!viewerPage.contains("method=\"post\""))
        #expect(!viewerPage.contains("/cancel"))
        #expect(Self.token(in: viewerPage) == nil)

        // The viewer forges the operator's form, token included: refused, nothing changes.
        let operatorToken = try #require(Self.token(in: operatorPage))
        let forged = await Self.post(fixture, Self.runPath + "/approve", "csrf=\(operatorToken)&step=review-swap-chart", as: Self.viewerID)
        #expect(forged.status == .forbidden)
        #expect(await fixture.get(Self.runPath + "/cancel", html: false, identity: Self.viewerID).status == .forbidden)
        let run = try await fixture.harness.service.run(migrationId: ConsoleFixture.migrationId, candidateId: "billing-api")
        #expect(run.status == .running)
        #expect(run.currentResult?.status == .awaitingReview)
    }

    @Test("replicas sharing the callback key accept each other's form tokens; a replica with another key refuses them")
    func formTokensAcrossReplicas() async throws {
        let shared: [UInt8] = Array(repeating: 7, count: 32)
        let fixture = try await Self.awaitingReview(formKey: { shared })
        let token = try #require(Self.token(in: await fixture.get(Self.runPath, identity: Self.operatorID).bodyText))
        func replica(_ key: [UInt8]?) -> ConsoleFixture {
            var configuration = ConsoleConfiguration()
            configuration.auth = .mtls
            var copy = fixture
            copy.router = ConsoleRouter(
                service: fixture.harness.service, access: CallerAccess(policy: Self.policy), configuration: configuration,
                formKey: { key }, logger: LoomHarness.quietLogger)
            return copy
        }
        let form = "csrf=\(token)&step=review-swap-chart"
        #expect(await Self.post(replica(Array(repeating: 8, count: 32)), Self.runPath + "/approve", form, as: Self.operatorID).status == .forbidden)
        #expect(await Self.post(replica(nil), Self.runPath + "/approve", form, as: Self.operatorID).status == .forbidden)
        #expect(try await fixture.harness.service.run(migrationId: ConsoleFixture.migrationId, candidateId: "billing-api").status == .running)
        #expect(await Self.post(replica(shared), Self.runPath + "/approve", form, as: Self.operatorID).status == .seeOther)
        #expect(try await fixture.harness.service.run(migrationId: ConsoleFixture.migrationId, candidateId: "billing-api").status == .completed)
    }

    @Test("a POST without the CSRF token, with a wrong one, or from another site is 403 and changes nothing")
    func csrf() async throws {
        let fixture = try await Self.awaitingReview()
        let token = try #require(Self.token(in: await fixture.get(Self.runPath, identity: Self.operatorID).bodyText))
        let refused: [(String, HTTPHeaders)] = [
            ("step=review-swap-chart", ["host": "console.example"]),
            ("csrf=&step=review-swap-chart", ["host": "console.example"]),
            ("csrf=\(String(token.reversed()))&step=review-swap-chart", ["host": "console.example"]),
            ("csrf=\(token)&step=review-swap-chart", ["host": "console.example", "origin": "https://evil.example"]),
            ("csrf=\(token)&step=review-swap-chart", ["host": "console.example", "sec-fetch-site": "cross-site"]),
        ]
        for (form, headers) in refused {
            let response = await Self.post(fixture, Self.runPath + "/approve", form, as: Self.operatorID, headers: headers)
            #expect(response.status == .forbidden, "\(form) \(headers)")
        }
        // The token is bound to the identity: another identity's page gives another token.
        let viewerLike = PeerIdentity(value: "spiffe://loom.dev/operator", source: .dns)
        #expect(await Self.post(fixture, Self.runPath + "/approve", "csrf=\(token)&step=review-swap-chart", as: viewerLike).status == .forbidden)
        #expect(try await fixture.harness.service.run(migrationId: ConsoleFixture.migrationId, candidateId: "billing-api").currentResult?.status == .awaitingReview)

        let approved = await Self.post(
            fixture, Self.runPath + "/approve", "csrf=\(token)&step=review-swap-chart", as: Self.operatorID,
            headers: ["host": "console.example", "origin": "https://console.example", "sec-fetch-site": "same-origin"])
        #expect(approved.status == .seeOther)
        #expect(approved.headers.first(name: "location") == Self.runPath)
        await fixture.harness.settle()
        #expect(try await fixture.harness.service.run(migrationId: ConsoleFixture.migrationId, candidateId: "billing-api").status == .completed)
    }

    @Test("approve must name the current step; cancel needs its confirmation; retry a failed step")
    func cancelAndRetry() async throws {
        let fixture = try await Self.awaitingReview()
        let token = try #require(Self.token(in: await fixture.get(Self.runPath, identity: Self.operatorID).bodyText))
        #expect(await Self.post(fixture, Self.runPath + "/approve", "csrf=\(token)&step=swap-chart", as: Self.operatorID).status == .badRequest)

        let reject = await Self.post(fixture, Self.runPath + "/reject", "csrf=\(token)&step=review-swap-chart&reason=\(ConsoleFixture.hostile)", as: Self.operatorID)
        #expect(reject.status == .seeOther)
        await fixture.harness.settle()
        let page = await fixture.get(Self.runPath, identity: Self.operatorID).bodyText
        #expect(page.contains("Retry review-swap-chart"))
        #expect(!page.contains("<img"))
        #expect(await Self.post(fixture, Self.runPath + "/retry", "csrf=\(token)&step=review-swap-chart", as: Self.operatorID).status == .seeOther)
        await fixture.harness.settle()
        #expect(try await fixture.harness.service.run(migrationId: ConsoleFixture.migrationId, candidateId: "billing-api").status == .running)

        let confirm = await fixture.get(Self.runPath + "/cancel", identity: Self.operatorID)
        #expect(confirm.status == .ok)
        #expect(confirm.bodyText.contains(#"<input type="hidden" name="confirm" value="yes">"#))
        #expect(await Self.post(fixture, Self.runPath + "/cancel", "csrf=\(token)", as: Self.operatorID).status == .badRequest)
        let cancelled = await Self.post(fixture, Self.runPath + "/cancel", "csrf=\(token)&confirm=yes&reason=postponed", as: Self.operatorID)
        #expect(cancelled.status == .seeOther)
        let run = try await fixture.harness.service.run(migrationId: ConsoleFixture.migrationId, candidateId: "billing-api")
        #expect(run.status == .cancelled)
        #expect(run.failureReason == "postponed")
    }

    @Test("start: a Start link and a form of the required inputs for an operator; none for a viewer, whose forged POST is 403")
    func start() async throws {
        let fixture = try await ConsoleFixture(configure: { $0.auth = .mtls }, policy: Self.policy)
        let migrationPage = await fixture.get("/migrations/app-chart-migration", identity: Self.operatorID).bodyText
        #expect(migrationPage.contains(#"href="/migrations/app-chart-migration/candidates/billing-api/start""#))
        #expect(!(await fixture.get("/migrations/app-chart-migration", identity: Self.viewerID).bodyText).contains("/start"))
        #expect(await fixture.get(Self.runPath + "/start", html: false, identity: Self.viewerID).status == .forbidden)

        let form = await fixture.get(Self.runPath + "/start", identity: Self.operatorID)
        #expect(form.status == .ok)
        #expect(form.bodyText.contains(#"<label for="i-0">Repository <span class="sub">(repoName)</span></label>"#))
        #expect(form.bodyText.contains(#"<input id="i-0" name="input.repoName" type="text" required maxlength="1024">"#))
        let token = try #require(Self.token(in: form.bodyText))

        #expect(await Self.post(fixture, Self.runPath + "/start", "csrf=\(token)&input.repoName=x", as: Self.viewerID).status == .forbidden)
        #expect(await Self.post(fixture, Self.runPath + "/start", "input.repoName=x", as: Self.operatorID).status == .forbidden)
        await #expect(throws: LoomError.self) {
            _ = try await fixture.harness.service.run(migrationId: ConsoleFixture.migrationId, candidateId: "billing-api")
        }
        let started = await Self.post(fixture, Self.runPath + "/start", "csrf=\(token)&input.repoName=billing%2Fapi", as: Self.operatorID)
        #expect(started.status == .seeOther)
        #expect(started.headers.first(name: "location") == Self.runPath)
        let run = try await fixture.harness.service.run(migrationId: ConsoleFixture.migrationId, candidateId: "billing-api")
        #expect(run.status == .running)
        #expect(run.inputs == ["repoName": "billing/api"])
        #expect(run.startedBy == "spiffe://loom.dev/operator")
        // A second start of a running candidate is the service's conflict, shown as such.
        #expect(await Self.post(fixture, Self.runPath + "/start", "csrf=\(token)&input.repoName=x", as: Self.operatorID).status == .conflict)
    }

    @Test("behind the proxy, an Origin matching X-Forwarded-Host is same-origin; without proxy mode it is not trusted")
    func forwardedHost() async throws {
        let fixture = try await ConsoleFixture(
            configure: { $0.auth = .proxy; $0.proxyPeers = [AddressRange(parsing: "10.0.0.1")!] },
            policy: AuthorizationPolicy(rules: [.init(kind: .commonName, pattern: "ops", roles: [.operator])]))
        let user: HTTPHeaders = ["X-Forwarded-User": "ops"]
        let page = await fixture.get("/migrations/app-chart-migration/candidates/billing-api/start", headers: user, peer: "10.0.0.1")
        let token = try #require(Self.token(in: page.bodyText))
        var headers = user
        headers.add(name: "host", value: "loom-upstream:8090")
        headers.add(name: "origin", value: "https://console.example")
        var forwarded = headers
        forwarded.add(name: "x-forwarded-host", value: "console.example")
        let request = { (headers: HTTPHeaders) in
            ConsoleRequest(
                method: .POST, uri: Self.runPath + "/start", headers: headers, peerAddress: IPAddress(parsing: "10.0.0.1"),
                body: Array("csrf=\(token)&input.repoName=x".utf8))
        }
        #expect(await fixture.router.respond(to: request(headers)).status == .forbidden)
        #expect(await fixture.router.respond(to: request(forwarded)).status == .seeOther)
    }

    @Test("POST is only for actions (405 elsewhere); other methods on an action are 405 with Allow: POST")
    func methods() async throws {
        let fixture = try await ConsoleFixture()
        #expect(await Self.post(fixture, "/", "", as: nil).status == .methodNotAllowed)
        let put = await fixture.router.respond(to: ConsoleRequest(method: .PUT, uri: Self.runPath + "/approve"))
        #expect(put.status == .methodNotAllowed)
        #expect(put.headers.first(name: "allow") == "POST")
    }
}
