import Foundation
import LoomCore
import LoomRedis
import LoomStores
import LoomTestSupport
import Testing

/// What a listing of one migration leaves in Redis: ghosts only while a listing is open, in
/// buckets that expire, and pages that read only the buckets of moves since they opened.
@Suite("Redis store: run listing ghosts")
struct RedisRunListingGhostTests {
    @Test("moves leave ghosts only while a listing is open, in an expiring bucket; a page reads only the buckets of moves since its listing opened")
    func ghostBuckets() async throws {
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
        func buckets() async throws -> [String] {
            try await h.pool.send(RedisCommand("KEYS", .string(keys.runGhostBucketPrefix(migration.id) + "*"))).array?.compactMap(\.string) ?? []
        }

        try await move()
        #expect(try await buckets().isEmpty, "no listing open: a move leaves no ghost")
        let selection = RunSelection(migrationId: migration.id)
        let opening = try await h.store.openRunListing(selection, name: "n", limit: 10, ttl: .seconds(60))
        #expect(opening.first.entries.map(\.run.version) == [stored.version])
        try await move()
        let written = try await buckets()
        #expect(written == [keys.runGhostBucketPrefix(migration.id) + "0"])
        #expect(try await h.pool.send(RedisCommand("ZCARD", .string(written[0]))).int == 2, "one ghost per run index")
        let ttl = try await h.pool.send(RedisCommand("PTTL", .string(written[0]))).int ?? 0
        #expect(ttl > 0 && ttl <= Service.runListingLifetime.wholeMilliseconds + 60_000, "a bucket expires after the listing lifetime")

        // 1,100 moves later, a new listing's sequence lies in bucket 1: a ghost planted in bucket 0
        // that would count for it if read (before ≤ S < after) is not read.
        for _ in 0..<1100 { try await move() }
        var other = try RedisFixtures.run(migration.id, "b", status: .running)
        other.results = [StepResult(stepName: other.steps[0].name, attempt: 1, at: RedisFixtures.t0)]
        _ = try await h.store.apply(RunWrite(run: other, expectedVersion: 0, history: []))
        let later = try await h.store.openRunListing(selection, name: "m", limit: 10, ttl: .seconds(60))
        let sequence = try #require(UInt64(later.listing.dropFirst()))
        #expect(sequence >= 1024)
        let planted = "\(migration.id)__b|0|\(sequence + 1)|u"
        _ = try await h.pool.send(RedisCommand("ZADD", .string(keys.runGhostBucketPrefix(migration.id) + "0"), 1, .string(planted)))
        try await move()
        let page = try #require(try await h.store.runListingPage(selection, listing: later.listing, after: nil, limit: 10, ttl: .seconds(60)))
        #expect(page.entries.map(\.run.candidateId).sorted() == ["a", "b"], "bucket 0 is older than the listing: not read")
        // The same ghost in the listing's own bucket is read, and b comes twice (the check above can fail).
        _ = try await h.pool.send(
            RedisCommand("ZADD", .string(keys.runGhostBucketPrefix(migration.id) + String((sequence + 1) / 1024)), 1, .string(planted)))
        let again = try #require(try await h.store.runListingPage(selection, listing: later.listing, after: nil, limit: 10, ttl: .seconds(60)))
        #expect(again.entries.map(\.run.candidateId).sorted() == ["a", "b", "b"])
    }
}
