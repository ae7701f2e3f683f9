import Foundation
import Logging
import LoomExampleMigrator
import LoomHTTP
import LoomProto
import LoomRPC
import NIOConcurrencyHelpers
import NIOPosix

/// A migrator that completes every dispatched step at once, reporting over RPC with the
/// dispatch's callback token, and retrying its report until Loom answers (a server may be
/// down for a moment); it remembers every dispatch it received.
final class InstantMigrator: Sendable {
    let server: MigratorHTTPServer
    private let dispatches = NIOLockedValueBox<[String]>([])

    var url: String { "http://127.0.0.1:\(server.port)" }
    var dispatchCount: Int { dispatches.withLockedValue { $0.count } }

    private init(server: MigratorHTTPServer) {
        self.server = server
    }

    /// Starts the migrator; it reports to whichever of `rpcPorts` answers.
    static func start(rpcPorts: [Int]) async throws -> InstantMigrator {
        let clients = rpcPorts.map {
            LoomClient(host: "127.0.0.1", port: $0, configuration: .init(transportSecurity: .insecure))
        }
        let box = NIOLockedValueBox<InstantMigrator?>(nil)
        let server = try await MigratorHTTPServer.start(
            host: "127.0.0.1", port: 0, tls: nil, group: MultiThreadedEventLoopGroup.singleton,
            logger: Logger(label: "instant-migrator")
        ) { request in
            guard request.path == "/dispatch-step",
                let dispatch = try? JSONDecoder().decode(ReferenceJSON.DispatchStepRequest.self, from: Data(request.body))
            else { return MigratorHTTPResponse(status: .badRequest) }
            box.withLockedValue { $0 }?.dispatches.withLockedValue { $0.append(dispatch.idempotencyKey ?? "") }
            Task { await report(dispatch, clients: clients) }
            return MigratorHTTPResponse(status: .accepted, body: Array(#"{"status":"accepted"}"#.utf8))
        }
        let migrator = InstantMigrator(server: server)
        box.withLockedValue { $0 = migrator }
        return migrator
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
