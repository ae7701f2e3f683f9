import LoomConsole
import LoomCore
import LoomTestSupport
import NIOHTTP1
import Testing

@Suite("Console pages")
struct ConsolePagesTests {
    @Test("the fleet page lists each migration with its progress and what needs a human")
    func fleet() async throws {
        let fixture = try await ConsoleFixture()
        let response = await fixture.get("/")
        #expect(response.status == .ok)
        let page = response.bodyText
        #expect(page.contains(#"href="/migrations/app-chart-migration""#))
        #expect(page.contains("Needs a human now"))
        #expect(page.contains(#"aria-label="Candidates: not_started 1, running 0, completed 0""#))
        #expect(page.contains(#"<script src="/assets/console.js" defer></script>"#))
    }

    @Test("a hostile candidate name and failure reason render as text on the migration and run pages")
    func hostileValuesAreText() async throws {
        let fixture = try await ConsoleFixture()
        _ = try await fixture.harness.service.startRun(migrationId: ConsoleFixture.migrationId, candidateId: "billing-api", inputs: ["repoName": "x"])
        await fixture.harness.settle()
        try await fixture.harness.event(
            ConsoleFixture.runID, step: "disable-sync-prune", phase: "open",
            metadata: ["prUrl": "javascript:alert(1)", "note": ConsoleFixture.hostile])
        let migration = await fixture.get("/migrations/app-chart-migration").bodyText
        #expect(migration.contains("name=&lt;img src=x onerror=alert(1)&gt;"))
        #expect(!migration.contains("<img"))
        let run = await fixture.get("/migrations/app-chart-migration/candidates/billing-api")
        #expect(run.status == .ok)
        #expect(run.bodyText.contains("note=&lt;img src=x onerror=alert(1)&gt;"))
        #expect(!run.bodyText.contains("<img"))
        #expect(!run.bodyText.contains(#"href="javascript"#))
        #expect(run.bodyText.contains("javascript:alert(1)"))
        #expect(run.bodyText.contains(#"data-events="/events/migrations/app-chart-migration/candidates/billing-api?version="#))
    }

    @Test("a candidate id with a slash is reached through its percent-encoded path")
    func slashInCandidateId() async throws {
        let fixture = try await ConsoleFixture(candidates: [Fixtures.candidate("org/repo")])
        _ = try await fixture.harness.service.startRun(migrationId: ConsoleFixture.migrationId, candidateId: "org/repo", inputs: ["repoName": "x"])
        let migration = await fixture.get("/migrations/app-chart-migration").bodyText
        #expect(migration.contains(#"href="/migrations/app-chart-migration/candidates/org%2Frepo""#))
        #expect(await fixture.get("/migrations/app-chart-migration/candidates/org%2Frepo").status == .ok)
    }

    @Test("candidates page 50 at a time with page tokens, filtered by status and id prefix")
    func paging() async throws {
        let candidates = (0..<120).map { Fixtures.candidate(String(format: "repo-%03d", $0)) }
        let fixture = try await ConsoleFixture(candidates: candidates)
        var uri = "/migrations/app-chart-migration"
        var sizes: [Int] = []
        var seen: Set<String> = []
        for _ in 0..<5 {
            let page = await fixture.get(uri).bodyText
            let rows = page.components(separatedBy: "data-candidate=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
            sizes.append(rows.count)
            seen.formUnion(rows)
            guard let next = page.range(of: #"<a href="/migrations/app-chart-migration?page="#) else { break }
            let href = page[page.index(next.lowerBound, offsetBy: 9)...].prefix { $0 != "\"" }
            uri = String(href).replacingOccurrences(of: "&amp;", with: "&")
        }
        #expect(sizes == [50, 50, 20])
        #expect(seen.count == 120)

        let prefixed = await fixture.get("/migrations/app-chart-migration?q=repo-11&status=not_started").bodyText
        #expect(prefixed.components(separatedBy: "data-candidate=\"").count - 1 == 10)
        #expect(prefixed.contains(#"<option value="not_started" selected>"#))
        #expect(!prefixed.contains("rel=\"next\""))

        let bad = await fixture.get("/migrations/app-chart-migration?status=bogus", html: false)
        #expect(bad.status == .badRequest)
        #expect(bad.bodyText.contains("status must be one of"))
        #expect(await fixture.get("/migrations/app-chart-migration?page=forged", html: false).status == .badRequest)
    }

    @Test("the fleet page follows /events/fleet: an event at opening, then one when the counts change, none while they do not")
    func fleetEvents() async throws {
        let fixture = try await ConsoleFixture(configure: { $0.fleetPollInterval = .milliseconds(5) })
        #expect(await fixture.get("/").bodyText.contains(#"data-events="/events/fleet""#))
        let response = await fixture.get("/events/fleet", html: false)
        guard case .events(let events, let release) = response.body else {
            Issue.record("not a stream: \(response.status)")
            return
        }
        defer { release() }
        var iterator = events.makeAsyncIterator()
        #expect(try await iterator.next() == "retry: 3000\n\n")
        #expect(try await iterator.next() == "event: fleet\ndata: {\"migrations\":1,\"needingAttention\":0}\n\n")
        _ = try await fixture.harness.service.startRun(migrationId: ConsoleFixture.migrationId, candidateId: "billing-api", inputs: ["repoName": "x"])
        await fixture.harness.settle()
        try await fixture.harness.event(ConsoleFixture.runID, step: "disable-sync-prune", success: false, failureReason: "boom")
        // Polls that find the same counts send nothing: the next event is the changed counts.
        var next = try await iterator.next() ?? ""
        if !next.contains(#""needingAttention":1"#) { next = try await iterator.next() ?? "" }
        #expect(next == "event: fleet\ndata: {\"migrations\":1,\"needingAttention\":1}\n\n")
    }

    @Test("unknown migrations and runs are 404")
    func notFound() async throws {
        let fixture = try await ConsoleFixture()
        #expect(await fixture.get("/migrations/missing").status == .notFound)
        #expect(await fixture.get("/migrations/app-chart-migration/candidates/billing-api").status == .notFound)
    }
}
