import Logging
import LoomMigratorKit
import NIOCore
import NIOPosix
import Testing

/// The callback client against a real local fake Loom, with a recording sleeper (no wall-clock waits).
@Suite("CallbackClient: resends until a definitive answer")
struct CallbackClientTests {
    static let event = ReferenceJSON.StepCompletedEvent(
        stepName: "upgrade", candidateId: "acme/billing", success: true, phase: "open", metadata: ["prUrl": "https://x/1"])
    /// 100 ms doubling to 400 ms, no jitter, 5 POSTs.
    static let policy = CallbackClient.RetryPolicy(
        attempts: 5, initialDelay: .milliseconds(100), maximumDelay: .milliseconds(400), jitter: 0)

    static func client(_ sleeper: RecordingSleeper, policy: CallbackClient.RetryPolicy = policy) -> CallbackClient {
        CallbackClient(retry: policy, requestTimeout: .seconds(10), logger: Logger(label: "test"), sleep: sleeper.sleeper)
    }

    @Test("503 (Loom starting), then 200 'already applied': delivered after one resend, with the token and the same body")
    func unavailableThenAlreadyApplied() async throws {
        let loom = try await FakeLoom.start([
            .status(.serviceUnavailable, ["error": "starting"]), .status(.ok, ["status": "already applied"]),
        ])
        let sleeper = RecordingSleeper()
        let outcome = await Self.client(sleeper).deliver(Self.event, to: loom.eventURL("m__acme/billing"), token: "v1.tok")
        #expect(outcome == .delivered(alreadyApplied: true))
        #expect(sleeper.recorded == [.milliseconds(100)])
        let received = loom.received
        #expect(received.count == 2)
        for request in received {
            #expect(request.method == .POST && request.path == "/event/m__acme%2Fbilling")
            #expect(request.header("authorization") == "Bearer v1.tok")
            #expect(request.header("content-type") == "application/json")
            #expect(try request.decode(ReferenceJSON.StepCompletedEvent.self) == Self.event)
        }
        try await loom.close()
    }

    @Test("202 'event raised': delivered at once")
    func applied() async throws {
        let loom = try await FakeLoom.start([.status(.accepted, ["status": "event raised"])])
        let sleeper = RecordingSleeper()
        #expect(await Self.client(sleeper).deliver(Self.event, to: loom.eventURL("r"), token: "t") == .delivered(alreadyApplied: false))
        #expect(loom.received.count == 1 && sleeper.recorded.isEmpty)
        try await loom.close()
    }

    @Test("409: conflict, surfaced with Loom's message, never resent")
    func conflict() async throws {
        let loom = try await FakeLoom.start([.error(.conflict, "stale event: attempt 1, current 2")])
        let sleeper = RecordingSleeper()
        let outcome = await Self.client(sleeper).deliver(Self.event, to: loom.eventURL("r"), token: "t")
        #expect(outcome == .conflict(message: "stale event: attempt 1, current 2"))
        #expect(loom.received.count == 1 && sleeper.recorded.isEmpty)
        try await loom.close()
    }

    @Test("401: rejected, never resent; no Authorization header without a token")
    func unauthorized() async throws {
        let loom = try await FakeLoom.start([.error(.unauthorized, "missing callback token")])
        let sleeper = RecordingSleeper()
        let outcome = await Self.client(sleeper).deliver(Self.event, to: loom.eventURL("r"), token: nil)
        #expect(outcome == .rejected(reason: "HTTP 401: missing callback token"))
        #expect(loom.received.count == 1 && sleeper.recorded.isEmpty)
        #expect(loom.received.first?.header("authorization") == nil)
        try await loom.close()
    }

    @Test("408 and 429 are transient like 5xx")
    func timeoutAndTooManyRequestsAreResent() async throws {
        let loom = try await FakeLoom.start([
            .error(.requestTimeout, "slow"), .error(.tooManyRequests, "busy"), .error(.internalServerError, "internal error"),
            .status(.accepted, ["status": "event raised"]),
        ])
        let sleeper = RecordingSleeper()
        #expect(await Self.client(sleeper).deliver(Self.event, to: loom.eventURL("r"), token: "t") == .delivered(alreadyApplied: false))
        #expect(sleeper.recorded == [.milliseconds(100), .milliseconds(200), .milliseconds(400)])
        try await loom.close()
    }

    @Test("connection refused: resent with doubling back-off, then given up after exactly `attempts` POSTs")
    func refusedGivesUpAtTheBound() async throws {
        // A port that was just bound and closed: nothing listens there.
        let loom = try await FakeLoom.start([.status(.accepted, [:])])
        let url = loom.eventURL("r")
        try await loom.close()
        let sleeper = RecordingSleeper()
        let outcome = await Self.client(sleeper).deliver(Self.event, to: url, token: "t")
        guard case .gaveUp(let attempts, let lastError) = outcome else {
            Issue.record("expected gaveUp, got \(outcome)")
            return
        }
        #expect(attempts == 5)
        #expect(lastError.contains("connection failed"))
        #expect(sleeper.recorded == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(400)])
    }

    @Test("the total-wait bound: a wait that would pass it gives up instead; a wait reaching it exactly is made")
    func totalDelayBound() async throws {
        let loom = try await FakeLoom.start([.error(.serviceUnavailable, "down")])
        // 100 + 200 = 300 ms: at the bound, made; the next (400 ms) would pass it.
        let atBound = CallbackClient.RetryPolicy(
            attempts: 10, initialDelay: .milliseconds(100), maximumDelay: .seconds(1), jitter: 0,
            maximumTotalDelay: .milliseconds(300))
        let sleeper = RecordingSleeper()
        let outcome = await Self.client(sleeper, policy: atBound).deliver(Self.event, to: loom.eventURL("r"), token: "t")
        #expect(outcome == .gaveUp(attempts: 3, lastError: "HTTP 503: down"))
        #expect(sleeper.recorded == [.milliseconds(100), .milliseconds(200)])
        // One millisecond less: the second wait would pass it.
        var under = atBound
        under.maximumTotalDelay = .milliseconds(299)
        let sleeper2 = RecordingSleeper()
        #expect(await Self.client(sleeper2, policy: under).deliver(Self.event, to: loom.eventURL("r"), token: "t") == .gaveUp(attempts: 2, lastError: "HTTP 503: down"))
        #expect(sleeper2.recorded == [.milliseconds(100)])
        try await loom.close()
    }

    @Test("jitter spreads each wait by at most the fraction")
    func jitter() async throws {
        let loom = try await FakeLoom.start([.error(.serviceUnavailable, "down")])
        let policy = CallbackClient.RetryPolicy(attempts: 3, initialDelay: .milliseconds(100), maximumDelay: .seconds(1), jitter: 0.2)
        for (unit, expected) in [(0.0, [Duration.milliseconds(80), .milliseconds(160)]), (1.0, [.milliseconds(120), .milliseconds(240)])] {
            let sleeper = RecordingSleeper()
            let client = CallbackClient(retry: policy, logger: Logger(label: "test"), sleep: sleeper.sleeper, random: { unit })
            _ = await client.deliver(Self.event, to: loom.eventURL("r"), token: "t")
            #expect(sleeper.recorded == expected)
        }
        try await loom.close()
    }

    @Test("an invalid callback URL is rejected without a POST")
    func invalidURL() async {
        let sleeper = RecordingSleeper()
        #expect(await Self.client(sleeper).deliver(Self.event, to: "ftp://x/event/r", token: "t") == .rejected(reason: "invalid callback URL"))
        #expect(sleeper.recorded.isEmpty)
    }

    @Test("the callback URL: the dispatch's, else the shim's /event/{callbackId} with / escaped")
    func callbackURL() {
        var dispatch = ReferenceJSON.DispatchStepRequest(
            migrationId: "m", stepName: "s", candidate: .init(id: "acme/billing", kind: "repo"), config: nil,
            callbackId: "m__acme/billing", eventName: "e", migratorApp: "a", migratorUrl: "http://m", type: nil)
        #expect(CallbackClient.callbackURL(for: dispatch, loomURL: "http://loom:8080/") == "http://loom:8080/event/m__acme%2Fbilling")
        #expect(CallbackClient.callbackURL(for: dispatch, loomURL: nil) == nil)
        dispatch.callbackUrl = "https://loom/event/x"
        #expect(CallbackClient.callbackURL(for: dispatch, loomURL: "http://other") == "https://loom/event/x")
    }

    @Test("the standard policy: 8 POSTs, 250 ms doubling to at most 10 s")
    func standardPolicy() {
        let standard = CallbackClient.RetryPolicy.standard
        #expect(standard.attempts == 8 && standard.jitter == 0.2)
        #expect(
            (1...7).map { standard.delay(after: $0) }
                == [.milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10)])
    }
}
