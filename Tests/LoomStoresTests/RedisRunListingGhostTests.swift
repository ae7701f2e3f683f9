import Foundation
import LoomCore
import LoomRedis
import LoomStores
import LoomTestSupport
import Testing

/// What a listing of one migration leaves in Redis: ghosts only while a listing is open, and
/// none older than their lifetime once a page has cleaned up.
@Suite("Redis store: run listing ghosts")
struct RedisRunListingGhostTests {
    @Test("moves leave ghosts only while a listing is open; a page drops ghosts older than their lifetime, 200 at a time")
    func ghostsAreBounded() async throws {
        let h = try await RedisStoreHarness.start()
        defer { h.server.stop() }
        let keys = h.store.keys
        let migration = RedisFixtures.migration()
        _ = try await h.store.announce(migration, newCandidates: ["a", "b"].map { RedisFixtures.candidate($0) }, owner: nil, at: RedisFixtures.t0)
        var run = try RedisFixtures.run(migration.id, "a", status: .running)
        run.results = [StepResult(stepName: run.steps[0].name, attempt: 1, at: RedisFixtures.t0)]
        guard case .applied(var stored) = try await h.store.apply(RunWrite(run: run, expectedVersion: 0, history: [])) else {
            Issue.record("write not applied")
            return
        }
        func move() async throws {
            var next = stored
            next.updatedAt = Timestamp(unixMilliseconds: stored.updatedAt.unixMilliseconds + 1)
            next.version = stored.version + 1
            guard case .applied(let written) = try await h.store.apply(RunWrite(run: next, expectedVersion: stored.version, history: []))
            else { throw LoomError.internal("move not applied") }
            stored = written
        }
        func ghostCount() async throws -> Int64 { try await h.pool.send(RedisCommand("ZCARD", .string(keys.runGhosts(migration.id)))).int ?? -1 }

        try await move()
        #expect(try await ghostCount() == 0, "no listing open: a move leaves no ghost")
        let selection = RunSelection(migrationId: migration.id)
        let listing = try await h.store.openRunListing(selection, name: "n", ttl: .seconds(60))
        try await move()
        #expect(try await ghostCount() == 2, "one ghost for the update index, one for the status index")
        let page = try #require(try await h.store.runListingPage(selection, listing: listing, after: nil, limit: 10, ttl: .seconds(60)))
        #expect(page.entries.map(\.run.version) == [stored.version], "listed once, as it is now")
        #expect(try await h.pool.send(RedisCommand("PTTL", .string(keys.runGhosts(migration.id)))).int ?? 0 > 0, "ghosts expire")

        // 250 ghosts dated older than the lifetime (a day ago), queued before the live ones.
        let old = (Int64(Date().timeIntervalSince1970) - 86_400) * 1000
        var entries: [RESPArgument] = []
        var members: [RESPArgument] = []
        for index in 0..<250 {
            let member = "\(migration.id)__gone-\(index)|0|1|u"
            members += [.integer(Int64(index)), .string(member)]
            entries.append(.string("\(old)|\(member)"))
        }
        _ = try await h.pool.send(RedisCommand("ZADD", arguments: [.string(keys.runGhosts(migration.id))] + members))
        _ = try await h.pool.send(RedisCommand("LPUSH", arguments: [.string(keys.runGhostLog(migration.id))] + entries.reversed()))
        #expect(try await ghostCount() == 252)
        _ = try await h.store.runListingPage(selection, listing: listing, after: nil, limit: 10, ttl: .seconds(60))
        #expect(try await ghostCount() == 52, "one page drops at most 200")
        _ = try await h.store.runListingPage(selection, listing: listing, after: nil, limit: 10, ttl: .seconds(60))
        #expect(try await ghostCount() == 2, "the live ones stay")
        #expect(try await h.pool.send(RedisCommand("LLEN", .string(keys.runGhostLog(migration.id)))).int == 2)
    }
}
