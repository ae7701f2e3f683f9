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

/// A migrator that completes every dispatched step at once, reporting over RPC with the
/// dispatch's callback token, and retrying its report until Loom answers (a server may be
/// down for a moment); it remembers every dispatch it received.
final class InstantMigrator: Sendable {
    /// Dispatches being held (see ``hold(candidates:)``).
    private struct Held {
        var candidates: Set<String> = []
        var waiting: [CheckedContinuation<Void, Never>] = []
        var countWaiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    let server: JSONHTTPServer
    private let dispatches = NIOLockedValueBox<[String]>([])
    private let held = NIOLockedValueBox(Held())

    var url: String { "http://127.0.0.1:\(server.port)" }
    var dispatchCount: Int { dispatches.withLockedValue { $0.count } }

    private init(server: JSONHTTPServer) {
        self.server = server
    }

    /// Starts the migrator; it reports to whichever of `rpcPorts` answers.
    static func start(rpcPorts: [Int]) async throws -> InstantMigrator {
        let clients = rpcPorts.map {
            LoomClient(host: "127.0.0.1", port: $0, configuration: .init(transportSecurity: .insecure))
        }
        let box = NIOLockedValueBox<InstantMigrator?>(nil)
        let server = try await JSONHTTPServer.start(
            .init(host: "127.0.0.1", port: 0), group: MultiThreadedEventLoopGroup.singleton,
            logger: Logger(label: "instant-migrator")
        ) { request in
            guard request.path == "/dispatch-step",
                let dispatch = try? JSONDecoder().decode(ReferenceJSON.DispatchStepRequest.self, from: Data(request.body))
            else { return JSONHTTPResponse(status: .badRequest) }
            guard let migrator = box.withLockedValue({ $0 }) else { return JSONHTTPResponse(status: .serviceUnavailable) }
            migrator.dispatches.withLockedValue { $0.append(dispatch.idempotencyKey ?? "") }
            if await migrator.holdIfAsked(dispatch.candidate.id) { return JSONHTTPResponse(status: .serviceUnavailable) }
            Task { await report(dispatch, clients: clients) }
            return JSONHTTPResponse(status: .accepted, body: Array(#"{"status":"accepted"}"#.utf8))
        }
        let migrator = InstantMigrator(server: server)
        box.withLockedValue { $0 = migrator }
        return migrator
    }

    /// From now on, dispatches for `candidates` are neither answered nor reported until
    /// ``releaseHeld()``: the POST is still in flight when the server is killed, and its outcome
    /// is lost with the server (a run left under a dispatch lease).
    func hold(candidates: Set<String>) {
        held.withLockedValue { $0.candidates = candidates }
    }

    /// Returns once `count` dispatches are being held.
    func waitUntilHolding(_ count: Int) async {
        await withCheckedContinuation { continuation in
            let ready = held.withLockedValue { held -> Bool in
                if held.waiting.count >= count { return true }
                held.countWaiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Stops holding: held dispatches are answered 503 (to a server that is gone) and not reported.
    func releaseHeld() {
        let waiting = held.withLockedValue { held -> [CheckedContinuation<Void, Never>] in
            held.candidates = []
            defer { held.waiting = [] }
            return held.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Holds the dispatch until ``releaseHeld()`` if its candidate is held; whether it was.
    private func holdIfAsked(_ candidate: String) async -> Bool {
        let hold = held.withLockedValue { $0.candidates.contains(candidate) }
        guard hold else { return false }
        await withCheckedContinuation { continuation in
            // Checked again under the lock: a release in between must not leave it waiting.
            let (waits, satisfied) = held.withLockedValue { held -> (Bool, [CheckedContinuation<Void, Never>]) in
                guard held.candidates.contains(candidate) else { return (false, []) }
                held.waiting.append(continuation)
                let count = held.waiting.count
                let ready = held.countWaiters.filter { $0.count <= count }.map(\.continuation)
                held.countWaiters.removeAll { $0.count <= count }
                return (true, ready)
            }
            if !waits { continuation.resume() }
            for waiter in satisfied { waiter.resume() }
        }
        return true
    }

    private static func report(_ dispatch: ReferenceJSON.DispatchStepRequest, clients: [LoomClient]) async {
        let request = ReportStepEventRequest(
            runID: dispatch.callbackId, callbackToken: dispatch.callbackToken ?? "",
            event: StepEvent(stepName: dispatch.stepName, candidateID: dispatch.candidate.id, success: true))
        for attempt in 0..<600 {
            let client = clients[attempt % clients.count]
            do {
                _ = try await client.reportStepEvent(request, options: RPCCallOptions(timeout: .seconds(2)))
                return
            } catch let error as RPCError where error.code == .failedPrecondition {
                return  // stale: the step moved on (a duplicate dispatch after a crash)
            } catch {
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}
