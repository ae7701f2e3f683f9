import Foundation
import Logging
import LoomHTTP
import LoomMigratorKit
import LoomProto
import LoomRPC
import NIOConcurrencyHelpers
import Testing

@testable import LoomExampleMigrator

/// The example migrator's `POST /step-status` and its callback retries, with a recording
/// event sender and a sleeper that only records the waits (no wall clock).
@Suite("Example migrator: step status and callback retries")
struct ExampleMigratorStatusTests {
    /// Records every send and wait; answers sends from a script (the last answer repeats).
    final class Loom: Sendable {
        enum Answer: Sendable {
            case status(String)
            case error(RPCStatus.Code)
        }

        private let state: NIOLockedValueBox<(script: [Answer], sent: [ReportStepEventRequest], waits: [Duration])>
        let sentStream: AsyncStream<ReportStepEventRequest>
        private let sentContinuation: AsyncStream<ReportStepEventRequest>.Continuation

        init(_ script: [Answer]) {
            state = NIOLockedValueBox((script, [], []))
            (sentStream, sentContinuation) = AsyncStream.makeStream()
        }

        var sent: [ReportStepEventRequest] { state.withLockedValue { $0.sent } }
        var waits: [Duration] { state.withLockedValue { $0.waits } }

        func engine(retry: MigratorEngine.CallbackRetry = .standard) -> MigratorEngine {
            MigratorEngine(
                workspace: Workspace(root: FileManager.default.temporaryDirectory.appendingPathComponent("no-such-workspace")),
                mergeDelay: .zero, logger: Logger(label: "test"), callbackRetry: retry,
                send: { request in
                    let answer = self.state.withLockedValue { state -> Answer in
                        state.sent.append(request)
                        return state.script.count > 1 ? state.script.removeFirst() : state.script[0]
                    }
                    self.sentContinuation.yield(request)
                    switch answer {
                    case .status(let status): return ReportStepEventResponse(status: status)
                    case .error(let code): throw RPCError(code: code, message: "scripted \(code)")
                    }
                },
                sleep: { delay in self.state.withLockedValue { $0.waits.append(delay) } })
        }
    }

    static func dispatch(key: String, type: String = "manual-review") -> ReferenceJSON.DispatchStepRequest {
        ReferenceJSON.DispatchStepRequest(
            migrationId: ExampleMigration.id, stepName: "review-rollout",
            candidate: ReferenceJSON.Candidate(id: "billing", kind: "repository"),
            config: ["instructions": "check it"], callbackId: "manifest-upgrade__billing",
            eventName: "step-completed:review-rollout:billing", migratorApp: ExampleMigration.migratorApp,
            migratorUrl: "http://127.0.0.1:1", type: type, idempotencyKey: key, attempt: 1, callbackToken: "v1.token")
    }

    static func statusRequest(key: String) throws -> MigratorHTTPRequest {
        let body = ReferenceJSON.StepStatusRequest(
            migrationId: ExampleMigration.id, candidateId: "billing", callbackId: "manifest-upgrade__billing",
            stepName: "review-rollout", attempt: 1, idempotencyKey: key)
        return MigratorHTTPRequest(method: .POST, path: "/step-status", body: Array(try JSONEncoder().encode(body)))
    }

    @Test("step-status: 404 for an unknown key, 202 while working, 200 with the callback's body once reported; 400 when malformed")
    func stepStatusAnswers() async throws {
        let loom = Loom([.status("event raised")])
        let engine = loom.engine()
        let responder = MigratorResponder(engine: engine)

        let unknown = await responder.respond(to: try Self.statusRequest(key: "k/1/review-rollout/1"))
        #expect(unknown.status == .notFound)
        #expect(String(decoding: unknown.body, as: UTF8.self) == #"{"error":"unknown idempotency key"}"#)

        let request = Self.dispatch(key: "k/1/review-rollout/1")
        #expect(await engine.register(request))
        let working = await responder.respond(to: try Self.statusRequest(key: "k/1/review-rollout/1"))
        #expect(working.status == .accepted)

        #expect(await engine.report(request, success: true, phase: "awaiting_review", metadata: ["instructions": "check it"]) == .applied)
        let reported = await responder.respond(to: try Self.statusRequest(key: "k/1/review-rollout/1"))
        #expect(reported.status == .ok)
        let event = try JSONDecoder().decode(ReferenceJSON.StepCompletedEvent.self, from: Data(reported.body))
        #expect(
            event
                == ReferenceJSON.StepCompletedEvent(
                    stepName: "review-rollout", candidateId: "billing", success: true, phase: "awaiting_review",
                    metadata: ["instructions": "check it"]))
        // The same fields as the event sent to Loom.
        let sent = try #require(loom.sent.first)
        #expect(sent.event == StepEvent(stepName: "review-rollout", candidateID: "billing", success: true, phase: "awaiting_review", metadata: ["instructions": "check it"]))
        #expect(sent.callbackToken == "v1.token" && sent.runID == "manifest-upgrade__billing")
        // Empty fields are omitted, as in a callback body.
        #expect(await engine.report(request, success: false, reason: "gone") == .applied)
        let failed = await responder.respond(to: try Self.statusRequest(key: "k/1/review-rollout/1"))
        #expect(String(decoding: failed.body, as: UTF8.self).contains(#""failureReason":"gone""#))
        #expect(!String(decoding: failed.body, as: UTF8.self).contains("phase"))

        let malformed = await responder.respond(to: MigratorHTTPRequest(method: .POST, path: "/step-status", body: Array("{}".utf8)))
        #expect(malformed.status == .badRequest)
    }

    @Test("a dispatch through the responder: its callback is sent, and step-status answers the same event")
    func dispatchThenStatus() async throws {
        let loom = Loom([.error(.unavailable)])  // Loom is down: the callback is lost
        let engine = loom.engine(retry: .init(attempts: 2, initialDelay: .milliseconds(10), maximumDelay: .milliseconds(10)))
        let responder = MigratorResponder(engine: engine)
        let body = Array(try JSONEncoder().encode(Self.dispatch(key: "k/1/review-rollout/1")))
        let accepted = await responder.respond(to: MigratorHTTPRequest(method: .POST, path: "/dispatch-step", body: body))
        #expect(accepted.status == .accepted)
        var sends = loom.sentStream.makeAsyncIterator()
        _ = await sends.next()
        _ = await sends.next()  // the second and last attempt
        let status = await responder.respond(to: try Self.statusRequest(key: "k/1/review-rollout/1"))
        #expect(status.status == .ok)
        let event = try JSONDecoder().decode(ReferenceJSON.StepCompletedEvent.self, from: Data(status.body))
        #expect(event.phase == "awaiting_review" && event.metadata == ["instructions": "check it"] && event.success)
        #expect(loom.sent.count == 2)
        // A re-sent dispatch is not executed again.
        let duplicate = await responder.respond(to: MigratorHTTPRequest(method: .POST, path: "/dispatch-step", body: body))
        #expect(String(decoding: duplicate.body, as: UTF8.self) == #"{"status":"duplicate"}"#)
    }

    @Test("transient failures are resent with doubling back-off; 'already applied' is success; a refusal is final")
    func callbackRetries() async throws {
        let retry = MigratorEngine.CallbackRetry(attempts: 5, initialDelay: .milliseconds(100), maximumDelay: .milliseconds(300))
        let request = Self.dispatch(key: "k/1/review-rollout/1")

        let flaky = Loom([.error(.unavailable), .error(.deadlineExceeded), .error(.internalError), .status("event raised")])
        #expect(await flaky.engine(retry: retry).report(request, success: true) == .applied)
        #expect(flaky.sent.count == 4)
        #expect(flaky.waits == [.milliseconds(100), .milliseconds(200), .milliseconds(300)])

        let repeated = Loom([.error(.unavailable), .status("already applied")])
        #expect(await repeated.engine(retry: retry).report(request, success: true) == .alreadyApplied)
        #expect(repeated.sent.count == 2)

        let refused = Loom([.error(.failedPrecondition)])  // the RPC form of 409: stale or conflicting
        #expect(await refused.engine(retry: retry).report(request, success: true) == .refused(.failedPrecondition))
        #expect(refused.sent.count == 1 && refused.waits.isEmpty)

        // At the limit: exactly `attempts` sends, then the event is given up (but still answered by step-status).
        let down = Loom([.error(.unavailable)])
        let engine = down.engine(retry: retry)
        #expect(await engine.register(request))
        #expect(await engine.report(request, success: true) == .gaveUp)
        #expect(down.sent.count == 5)
        #expect(down.waits == [.milliseconds(100), .milliseconds(200), .milliseconds(300), .milliseconds(300)])
        #expect(await engine.status(ofKey: "k/1/review-rollout/1") == .reported(.init(stepName: "review-rollout", candidateId: "billing", success: true)))
    }

    @Test("the standard policy: 8 sends, 250 ms doubling to at most 10 s")
    func standardPolicy() {
        let standard = MigratorEngine.CallbackRetry.standard
        #expect(standard.attempts == 8)
        #expect((1...7).map { standard.delay(after: $0) } == [.milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10)])
    }
}
