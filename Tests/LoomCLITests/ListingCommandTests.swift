import Foundation
import LoomProto
import LoomTestSupport
import Testing

@testable import LoomCLI

@Suite("loomctl listings, counts and recount", .timeLimit(.minutes(1)))
struct ListingCommandTests {
    private func withServer(_ body: (FakeServer) async throws -> Void) async throws {
        try await FakeServer.with(body)
    }

    @Test("candidates list pages: one page tells how to get the next on stderr, --all fetches every page")
    func candidatePaging() async throws {
        try await withServer { server in
            let one = await server.loomctl(["candidates", "list", "m1", "--page-size", "1", "--json"])
            #expect(one.code == 0)
            let first = try #require(try JSONSerialization.jsonObject(with: Data(one.output.utf8)) as? [[String: Any]])
            #expect(first.map { $0["id"] as? String } == ["ok"])
            #expect(one.error.contains("--page-token c2"))
            let all = await server.loomctl(["candidates", "list", "m1", "--page-size", "1", "--all", "--json"])
            let every = try #require(try JSONSerialization.jsonObject(with: Data(all.output.utf8)) as? [[String: Any]])
            #expect(every.map { $0["id"] as? String } == ["ok", "stop"])
            #expect(!all.error.contains("--page-token"))
        }
    }

    @Test("listing filters are checked before anything is sent")
    func badFilters() async throws {
        try await withServer { server in
            let status = await server.loomctl(["candidates", "list", "m1", "--status", "sleeping"])
            #expect(status.code == 64)
            #expect(status.error.contains("not_started, running, completed"))
            let meta = await server.loomctl(["candidates", "list", "m1", "--meta", "novalue"])
            #expect(meta.code == 64)
            let time = await server.loomctl(["runs", "list", "--updated-after", "yesterday"])
            #expect(time.code == 64)
            #expect(time.error.contains("RFC 3339"))
            let step = await server.loomctl(["runs", "list", "--step-status", "done"])
            #expect(step.code == 64)
        }
    }

    @Test("runs list prints the current step and its status; --status filters")
    func runsList() async throws {
        try await withServer { server in
            let table = await server.loomctl(["runs", "list"])
            #expect(table.code == 0)
            #expect(table.output.contains("MIGRATION  CANDIDATE  STATUS"))
            #expect(table.output.contains("awaiting_review"))
            let cancelled = await server.loomctl(["runs", "list", "--status", "cancelled", "--json"])
            let runs = try #require(try JSONSerialization.jsonObject(with: Data(cancelled.output.utf8)) as? [[String: Any]])
            #expect(runs.map { $0["candidateId"] as? String } == ["stop"])
            let missing = await server.loomctl(["runs", "list", "nope"])
            #expect(missing.code == 5)
        }
    }

    @Test("runs list --stalled asks for stalled runs only and marks them; the JSON carries stalledSinceUnixMs")
    func stalledRuns() async throws {
        try await withServer { server in
            let table = await server.loomctl(["runs", "list", "--stalled"])
            #expect(table.code == 0)
            let rows = table.output.split(separator: "\n").dropFirst()
            #expect(rows.count == 1)
            #expect(rows.first?.contains("stuck") == true)
            #expect(rows.first?.contains("in_progress (stalled)") == true)
            let json = await server.loomctl(["runs", "list", "--stalled", "--json"])
            let runs = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]])
            #expect(runs.map { $0["candidateId"] as? String } == ["stuck"])
            #expect(runs.first?["stalledSinceUnixMs"] as? Int == 1_767_225_600_000)
            let all = await server.loomctl(["runs", "list", "--json"])
            let every = try #require(try JSONSerialization.jsonObject(with: Data(all.output.utf8)) as? [[String: Any]])
            #expect(every.count == 3)
            #expect(every.first?["stalledSinceUnixMs"] as? Int == 0)
        }
    }

    @Test("migrations show prints progress bars per status and the active runs per step")
    func showCounts() async throws {
        try await withServer { server in
            let result = await server.loomctl(["migrations", "show", "m1"])
            #expect(result.code == 0)
            #expect(result.output.contains("Candidates: 2"))
            #expect(result.output.contains("not_started  1      50 %"))
            #expect(result.output.contains("█"))
            #expect(result.output.contains("Active runs per step:"))
            #expect(result.output.contains("review"))
        }
    }

    @Test("migrations recount reports no drift and exits 0; --repair is passed on")
    func recount() async throws {
        try await withServer { server in
            let result = await server.loomctl(["migrations", "recount", "m1"])
            #expect(result.code == 0)
            #expect(result.output.contains("match the records"))
            let repaired = await server.loomctl(["migrations", "recount", "m1", "--repair", "--json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(repaired.output.utf8)) as? [String: Any])
            #expect(object["repaired"] as? Bool == true)
            let drifted = await server.loomctl(["migrations", "recount", "drifted"])
            #expect(drifted.code == 23)
            #expect(drifted.output.contains("runs.running: 2 stored, 1 recounted"))
            #expect(drifted.error.contains("drifted from the records"))
            #expect(await server.loomctl(["migrations", "recount", "drifted", "--repair"]).code == 0)
        }
    }
}
