import LoomRPC
import LoomAPIService
import LoomTLS
import Testing

@Suite("CallerReadLimiter")
struct CallerReadLimiterTests {
    /// A latch the reads under test wait on, and a signal for each read that got in.
    final class Gate: Sendable {
        let opened: AsyncStream<Void>
        private let open: AsyncStream<Void>.Continuation
        let entered: AsyncStream<Void>
        private let enter: AsyncStream<Void>.Continuation

        init() {
            (opened, open) = AsyncStream<Void>.makeStream()
            (entered, enter) = AsyncStream<Void>.makeStream()
        }

        /// Signals entry, then waits until ``release()``.
        func pass() async {
            enter.yield()
            for await _ in opened { break }
        }

        func release() { open.finish() }
    }

    static let viewer = PeerIdentity(value: "spiffe://loom.dev/viewer", source: .uri)
    static let other = PeerIdentity(value: "spiffe://loom.dev/operator", source: .uri)

    @Test("at the limit every read runs; one over is refused with RESOURCE_EXHAUSTED naming the limit, without running")
    func limit() async throws {
        let limiter = CallerReadLimiter(maxConcurrentReads: 3)
        let gate = Gate()
        let reads = (0..<3).map { _ in Task { try await limiter.read(by: Self.viewer, method: "ListRuns") { await gate.pass() } } }
        var entered = 0
        for await _ in gate.entered {
            entered += 1
            if entered == 3 { break }
        }
        #expect(limiter.readsInFlight(by: Self.viewer) == 3)

        var ran = false
        let error = await #expect(throws: RPCError.self) {
            try await limiter.read(by: Self.viewer, method: "ListRuns") { ran = true }
        }
        #expect(!ran)
        #expect(error?.code == .resourceExhausted)
        #expect(error?.message.contains("ListRuns refused") == true)
        #expect(error?.message.contains("spiffe://loom.dev/viewer") == true)
        #expect(error?.message.contains("--max-reads-per-caller 3") == true)

        // Another identity, and callers without one, have their own allowance.
        #expect(try await limiter.read(by: Self.other, method: "ListRuns") { 7 } == 7)
        #expect(try await limiter.read(by: nil, method: "ListRuns") { 8 } == 8)

        gate.release()
        for read in reads { try await read.value }
        #expect(limiter.readsInFlight(by: Self.viewer) == 0)
        #expect(try await limiter.read(by: Self.viewer, method: "ListRuns") { 9 } == 9)
    }

    @Test("a read that throws gives its slot back")
    func failureReleases() async throws {
        let limiter = CallerReadLimiter(maxConcurrentReads: 1)
        struct Boom: Error {}
        await #expect(throws: Boom.self) { try await limiter.read(by: Self.viewer, method: "GetMigration") { throw Boom() } }
        #expect(limiter.readsInFlight(by: Self.viewer) == 0)
        #expect(try await limiter.read(by: Self.viewer, method: "GetMigration") { 1 } == 1)
    }

    @Test("callers without a certificate share one allowance, and are named as such")
    func anonymous() async throws {
        let limiter = CallerReadLimiter(maxConcurrentReads: 1)
        let gate = Gate()
        let read = Task { try await limiter.read(by: nil, method: "ListMigrations") { await gate.pass() } }
        for await _ in gate.entered { break }
        let error = await #expect(throws: RPCError.self) { try await limiter.read(by: nil, method: "ListMigrations") {} }
        #expect(error?.message.contains("callers without a client certificate") == true)
        gate.release()
        try await read.value
    }
}
