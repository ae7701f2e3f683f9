import Foundation
import Logging
import LoomMigratorKit
import NIOConcurrencyHelpers
import NIOHTTP1
import Testing

@testable import LoomExampleMigrator

/// The example migrator's `POST /step-status` and its callback retries, reporting over REST to a local fake
/// Loom that answers from a script, with a sleeper that only records the waits (no wall clock).
@Suite("Example migrator: step status and callback retries")
struct ExampleMigratorStatusTests {
    /// A fake Loom: answers events from a script (the last answer repeats), records them and the waits.
    final class Loom: Sendable {
        private let state: NIOLockedValueBox<(script: [JSONHTTPResponse], sent: [JSONHTTPRequest], waits: [Duration])>
        let sentStream: AsyncStream<JSONHTTPRequest>
        private let sentContinuation: AsyncStream<JSONHTTPRequest>.Continuation
        private let server: NIOLockedValueBox<JSONHTTPServer?> = NIOLockedValueBox(nil)

        private init(_ script: [JSONHTTPResponse]) {
            state = NIOLockedValueBox((script, [], []))
            (sentStream, sentContinuation) = AsyncStream.makeStream()
        }

        static func start(_ script: [JSONHTTPResponse]) async throws -> Loom {
            let loom = Loom(script)
            let server = try await JSONHTTPServer.start(.init(host: "127.0.0.1", port: 0), logger: Logger(label: "fake-loom")) { request in
                let answer = loom.state.withLockedValue { state in
                    state.sent.append(request)
                    return state.script.count > 1 ? state.script.removeFirst() : state.script[0]
                }
                loom.sentContinuation.yield(request)
                return answer
            }
            loom.server.withLockedValue { $0 = server }
            return loom
        }

        var url: String { "http://127.0.0.1:\(server.withLockedValue { $0?.port ?? 0 })" }
        var sent: [JSONHTTPRequest] { state.withLockedValue { $0.sent } }
        var waits: [Duration] { state.withLockedValue { $0.waits } }

        func close() async throws {
            try await server.withLockedValue { $0 }?.close()
        }

        /// The example's engine reporting to this Loom over REST, and the routes a `MigratorServer` serves it with.
        func engine(retry: CallbackClient.RetryPolicy = .standard) -> (MigratorEngine, JSONHTTPRouter, DispatchLedger) {
            let ledger = DispatchLedger()
            let callbacks = CallbackClient(
                retry: retry, logger: Logger(label: "test"), sleep: { delay in self.state.withLockedValue { $0.waits.append(delay) } })
            let engine = MigratorEngine(
                workspace: Workspace(root: FileManager.default.temporaryDirectory.appendingPathComponent("no-such-workspace")),
                connection: .rest(url: url, credential: nil, callbacks: callbacks, ledger: ledger), ledger: ledger,
                mergeDelay: .zero, logger: Logger(label: "test"))
            return (engine, MigratorServer.router(for: engine, ledger: ledger, logger: Logger(label: "test")), ledger)
        }
    }

    static let raised = JSONHTTPResponse.json(.accepted, ["status": "event raised"])
    static let unavailable = JSONHTTPResponse.error(.serviceUnavailable, "store unavailable")

    static func dispatch(key: String, type: String = "manual-review") -> ReferenceJSON.DispatchStepRequest {
        ReferenceJSON.DispatchStepRequest(
            migrationId: ExampleMigration.id, stepName: "review-rollout",
            candidate: ReferenceJSON.Candidate(id: "billing", kind: "repository"),
            config: ["instructions": "check it"], callbackId: "manifest-upgrade__billing",
            eventName: "step-completed:review-rollout:billing", migratorApp: ExampleMigration.migratorApp,
            migratorUrl: "http://127.0.0.1:1", type: type, idempotencyKey: key, attempt: 1, callbackToken: "v1.token")
    }

    static func statusRequest(key: String) throws -> JSONHTTPRequest {
        let body = ReferenceJSON.StepStatusRequest(
            migrationId: ExampleMigration.id, candidateId: "billing", callbackId: "manifest-upgrade__billing",
            stepName: "review-rollout", attempt: 1, idempotencyKey: key)
        return JSONHTTPRequest(method: .POST, path: "/step-status", body: Array(try JSONEncoder().encode(body)))
    }

    @Test("step-status: 404 for an unknown key, 202 while working, 200 with the callback's body once reported; 400 when malformed")
    func stepStatusAnswers() async throws {
        let loom = try await Loom.start([Self.raised])
        let (engine, responder, ledger) = loom.engine()

        let unknown = await responder.respond(to: try Self.statusRequest(key: "k/1/review-rollout/1"))
        #expect(unknown.status == .notFound)
        #expect(String(decoding: unknown.body, as: UTF8.self) == #"{"error":"unknown idempotency key"}"#)

        let request = Self.dispatch(key: "k/1/review-rollout/1")
        #expect(await ledger.register("k/1/review-rollout/1"))
        let working = await responder.respond(to: try Self.statusRequest(key: "k/1/review-rollout/1"))
        #expect(working.status == .accepted)

        #expect(await engine.report(request, success: true, phase: "awaiting_review", metadata: ["instructions": "check it"]) == .delivered(alreadyApplied: false))
        let reported = await responder.respond(to: try Self.statusRequest(key: "k/1/review-rollout/1"))
        #expect(reported.status == .ok)
        let expected = ReferenceJSON.StepCompletedEvent(
            stepName: "review-rollout", candidateId: "billing", success: true, phase: "awaiting_review",
            metadata: ["instructions": "check it"])
        #expect(try JSONDecoder().decode(ReferenceJSON.StepCompletedEvent.self, from: Data(reported.body)) == expected)
        // The same body as the event sent to Loom, with the dispatch's token, to the run's event URL.
        let sent = try #require(loom.sent.first)
        #expect(try sent.decode(ReferenceJSON.StepCompletedEvent.self) == expected)
        #expect(sent.header("authorization") == "Bearer v1.token" && sent.path == "/event/manifest-upgrade__billing")
        // Empty fields are omitted, as in a callback body.
        #expect(await engine.report(request, success: false, reason: "gone") == .delivered(alreadyApplied: false))
        let failed = await responder.respond(to: try Self.statusRequest(key: "k/1/review-rollout/1"))
        #expect(String(decoding: failed.body, as: UTF8.self).contains(#""failureReason":"gone""#))
        #expect(!String(decoding: failed.body, as: UTF8.self).contains("phase"))

        let malformed = await responder.respond(to: JSONHTTPRequest(method: .POST, path: "/step-status", body: Array("{}".utf8)))
        #expect(malformed.status == .badRequest)
        try await loom.close()
    }

    @Test("a dispatch through the server's routes: its callback is sent, and step-status answers the same event")
    func dispatchThenStatus() async throws {
        let loom = try await Loom.start([Self.unavailable])  // Loom is down: the callback is lost
        let (_, responder, _) = loom.engine(retry: .init(attempts: 2, initialDelay: .milliseconds(10), maximumDelay: .milliseconds(10)))
        let body = Array(try JSONEncoder().encode(Self.dispatch(key: "k/1/review-rollout/1")))
        let accepted = await responder.respond(to: JSONHTTPRequest(method: .POST, path: "/dispatch-step", body: body))
        #expect(accepted.status == .accepted)
        var sends = loom.sentStream.makeAsyncIterator()
        _ = await sends.next()
        _ = await sends.next()  // the second and last attempt
        // The ledger has the event before the first send; step-status answers it.
        let status = await responder.respond(to: try Self.statusRequest(key: "k/1/review-rollout/1"))
        #expect(status.status == .ok)
        let event = try JSONDecoder().decode(ReferenceJSON.StepCompletedEvent.self, from: Data(status.body))
        #expect(event.phase == "awaiting_review" && event.metadata == ["instructions": "check it"] && event.success)
        #expect(loom.sent.count == 2)
        // A re-sent dispatch is not executed again.
        let duplicate = await responder.respond(to: JSONHTTPRequest(method: .POST, path: "/dispatch-step", body: body))
        #expect(String(decoding: duplicate.body, as: UTF8.self) == #"{"status":"duplicate"}"#)
        try await loom.close()
    }

    @Test("transient failures are resent with doubling back-off; 'already applied' is success; a 409 is final")
    func callbackRetries() async throws {
        let retry = CallbackClient.RetryPolicy(attempts: 5, initialDelay: .milliseconds(100), maximumDelay: .milliseconds(300), jitter: 0)
        let request = Self.dispatch(key: "k/1/review-rollout/1")

        let flaky = try await Loom.start([
            Self.unavailable, .error(.gatewayTimeout, "slow"), .error(.internalServerError, "internal error"), Self.raised,
        ])
        #expect(await flaky.engine(retry: retry).0.report(request, success: true) == .delivered(alreadyApplied: false))
        #expect(flaky.sent.count == 4)
        #expect(flaky.waits == [.milliseconds(100), .milliseconds(200), .milliseconds(300)])
        try await flaky.close()

        let repeated = try await Loom.start([Self.unavailable, .json(.ok, ["status": "already applied"])])
        #expect(await repeated.engine(retry: retry).0.report(request, success: true) == .delivered(alreadyApplied: true))
        #expect(repeated.sent.count == 2)
        try await repeated.close()

        let refused = try await Loom.start([.error(.conflict, "stale event")])  // a stale or conflicting event
        #expect(await refused.engine(retry: retry).0.report(request, success: true) == .conflict(message: "stale event"))
        #expect(refused.sent.count == 1 && refused.waits.isEmpty)
        try await refused.close()

        // At the limit: exactly `attempts` sends, then the event is given up (but still answered by step-status).
        let down = try await Loom.start([Self.unavailable])
        let (engine, _, ledger) = down.engine(retry: retry)
        #expect(await ledger.register("k/1/review-rollout/1"))
        #expect(await engine.report(request, success: true) == .gaveUp(attempts: 5, lastError: "HTTP 503: store unavailable"))
        #expect(down.sent.count == 5)
        #expect(down.waits == [.milliseconds(100), .milliseconds(200), .milliseconds(300), .milliseconds(300)])
        #expect(await ledger.status(ofKey: "k/1/review-rollout/1") == .reported(.init(stepName: "review-rollout", candidateId: "billing", success: true)))
        try await down.close()
    }
}
