import Foundation
import Logging
import LoomAPI
import LoomExampleMigrator
import LoomHTTP
import LoomMigratorKit
import LoomProto
import LoomRPC
import NIOConcurrencyHelpers
import NIOPosix

/// A migrator that never retries a callback: it completes every dispatched step at once and
/// sends its event over RPC exactly once; an event that fails (Loom down) is dropped. It
/// deduplicates dispatches on their idempotency key (a re-sent dispatch is answered 202 and
/// not reported again) and, unless started without it, serves `POST /step-status` with the
/// event it sent for the key (200), 202 before it has one, 404 for an unknown key.
final class LossyMigrator: Sendable {
    private struct State {
        /// The event of each dispatched key; `nil` while the step is "working".
        var events: [String: ReferenceJSON.StepCompletedEvent?] = [:]
        /// Keys whose single callback failed (lost for good).
        var lost: [String: (run: String, step: String)] = [:]
        /// Keys whose callback Loom accepted.
        var delivered: Set<String> = []
        /// Status asks received, by key.
        var statusAsks: [String: Int] = [:]
        /// While true, callbacks wait (``closeGate()``, ``openGate()``).
        var gateClosed = false
        var gated: [CheckedContinuation<Void, Never>] = []
        var waiters: [(id: Int, condition: @Sendable (State) -> Bool, continuation: CheckedContinuation<Bool, Never>)] = []
        var nextWaiter = 0
    }

    let server: JSONHTTPServer
    private let state = NIOLockedValueBox(State())

    var url: String { "http://127.0.0.1:\(server.port)" }

    private init(server: JSONHTTPServer) {
        self.server = server
    }

    /// Keys whose callback was lost, with their run id and step.
    var lost: [String: (run: String, step: String)] { state.withLockedValue { $0.lost } }
    /// Keys whose callback Loom accepted.
    var delivered: Set<String> { state.withLockedValue { $0.delivered } }
    /// Status asks received, by key.
    var statusAsks: [String: Int] { state.withLockedValue { $0.statusAsks } }

    /// Starts the migrator, reporting to `rpcPort`; `statusEndpoint: false` answers `/step-status` 404 like
    /// a migrator without the endpoint.
    static func start(rpcPort: Int, statusEndpoint: Bool) async throws -> LossyMigrator {
        let client = LoomClient(host: "127.0.0.1", port: rpcPort, configuration: .init(transportSecurity: .insecure))
        let box = NIOLockedValueBox<LossyMigrator?>(nil)
        let server = try await JSONHTTPServer.start(
            .init(host: "127.0.0.1", port: 0), group: MultiThreadedEventLoopGroup.singleton,
            logger: Logger(label: "lossy-migrator")
        ) { request in
            guard let migrator = box.withLockedValue({ $0 }) else { return JSONHTTPResponse(status: .serviceUnavailable) }
            switch request.path {
            case "/dispatch-step":
                guard let dispatch = try? JSONDecoder().decode(ReferenceJSON.DispatchStepRequest.self, from: Data(request.body))
                else { return JSONHTTPResponse(status: .badRequest) }
                if migrator.register(dispatch.idempotencyKey ?? "") {
                    Task { await migrator.report(dispatch, client: client) }
                }
                return JSONHTTPResponse(status: .accepted, body: Array(#"{"status":"accepted"}"#.utf8))
            case "/step-status" where statusEndpoint:
                guard let ask = try? JSONDecoder().decode(ReferenceJSON.StepStatusRequest.self, from: Data(request.body))
                else { return JSONHTTPResponse(status: .badRequest) }
                let known = migrator.state.withLockedValue { state -> ReferenceJSON.StepCompletedEvent?? in
                    state.statusAsks[ask.idempotencyKey, default: 0] += 1
                    return state.events[ask.idempotencyKey]
                }
                switch known {
                case .some(.some(let event)): return JSONHTTPResponse(status: .ok, body: Array(try! JSONEncoder().encode(event)))
                case .some(.none): return JSONHTTPResponse(status: .accepted)
                case .none: return JSONHTTPResponse(status: .notFound)
                }
            default:
                return JSONHTTPResponse(status: .notFound, body: Array(#"{"error":"no route"}"#.utf8))
            }
        }
        let migrator = LossyMigrator(server: server)
        box.withLockedValue { $0 = migrator }
        return migrator
    }

    /// From now on callbacks wait until ``openGate()``.
    func closeGate() {
        state.withLockedValue { $0.gateClosed = true }
    }

    /// Lets the waiting callbacks go (each is sent once).
    func openGate() {
        let gated = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.gateClosed = false
            defer { state.gated = [] }
            return state.gated
        }
        for continuation in gated { continuation.resume() }
    }

    /// Returns `true` once `condition` holds for the migrator's state (checked after every change), or
    /// `false` after 60 s (so that a broken run fails the test instead of hanging it).
    private func wait(until condition: @escaping @Sendable (State) -> Bool) async -> Bool {
        await withCheckedContinuation { continuation in
            let id = state.withLockedValue { state -> Int? in
                if condition(state) { return nil }
                state.nextWaiter += 1
                state.waiters.append((state.nextWaiter, condition, continuation))
                return state.nextWaiter
            }
            guard let id else { return continuation.resume(returning: true) }
            Task {
                try? await Task.sleep(for: .seconds(60))
                let expired = self.state.withLockedValue { state -> CheckedContinuation<Bool, Never>? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiters.remove(at: index).continuation
                }
                expired?.resume(returning: false)
            }
        }
    }

    /// Whether `count` callbacks came to wait at the closed gate (within 60 s).
    func waitUntilGated(_ count: Int) async -> Bool { await wait { $0.gated.count >= count } }

    /// Whether `count` callbacks were lost (within 60 s).
    func waitUntilLost(_ count: Int) async -> Bool { await wait { $0.lost.count >= count } }

    /// Applies `change` and wakes the waiters whose condition now holds.
    private func update(_ change: (inout State) -> Void) {
        let ready = state.withLockedValue { state -> [CheckedContinuation<Bool, Never>] in
            change(&state)
            let current = state
            let ready = state.waiters.filter { $0.condition(current) }.map(\.continuation)
            state.waiters.removeAll { $0.condition(current) }
            return ready
        }
        for continuation in ready { continuation.resume(returning: true) }
    }

    /// Remembers a new key as working: `false` for a re-sent dispatch.
    private func register(_ key: String) -> Bool {
        state.withLockedValue { state in
            guard state.events[key] == nil else { return false }
            state.events[key] = .some(nil)
            return true
        }
    }

    private func report(_ dispatch: ReferenceJSON.DispatchStepRequest, client: LoomClient) async {
        let key = dispatch.idempotencyKey ?? ""
        let event = ReferenceJSON.StepCompletedEvent(stepName: dispatch.stepName, candidateId: dispatch.candidate.id, success: true)
        // Held at the gate, the step is still "working" (202 to a status ask): nothing can move it on.
        await withCheckedContinuation { continuation in
            let waits = state.withLockedValue { state -> Bool in
                guard state.gateClosed else { return false }
                state.gated.append(continuation)
                return true
            }
            if waits {
                update { _ in }  // wake waitUntilGated
            } else {
                continuation.resume()
            }
        }
        state.withLockedValue { $0.events[key] = .some(event) }
        let request = ReportStepEventRequest(
            runID: dispatch.callbackId, callbackToken: dispatch.callbackToken ?? "",
            event: StepEvent(stepName: dispatch.stepName, candidateID: dispatch.candidate.id, success: true))
        do {
            _ = try await client.reportStepEvent(request, options: RPCCallOptions(timeout: .seconds(5)))
            update { $0.delivered.insert(key) }
        } catch {
            // Never retried: the event is lost unless Loom asks /step-status.
            update { $0.lost[key] = (dispatch.callbackId, dispatch.stepName) }
        }
    }
}
