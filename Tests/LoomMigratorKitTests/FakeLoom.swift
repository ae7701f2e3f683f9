import Logging
import LoomMigratorKit
import NIOConcurrencyHelpers
import NIOHTTP1

/// A local HTTP server playing Loom's callback endpoint: answers from a script (the last answer repeats) and
/// records every request it received.
final class FakeLoom: Sendable {
    private let state: NIOLockedValueBox<(script: [JSONHTTPResponse], received: [JSONHTTPRequest])>
    private let server: NIOLockedValueBox<JSONHTTPServer?> = NIOLockedValueBox(nil)

    private init(script: [JSONHTTPResponse]) {
        state = NIOLockedValueBox((script, []))
    }

    /// Starts a fake Loom answering `script` in order.
    static func start(_ script: [JSONHTTPResponse]) async throws -> FakeLoom {
        let loom = FakeLoom(script: script)
        let server = try await JSONHTTPServer.start(.init(host: "127.0.0.1", port: 0), logger: Logger(label: "fake-loom")) { request in
            loom.state.withLockedValue { state in
                state.received.append(request)
                return state.script.count > 1 ? state.script.removeFirst() : state.script[0]
            }
        }
        loom.server.withLockedValue { $0 = server }
        return loom
    }

    /// The callback URL of run `callbackId` on this server.
    func eventURL(_ callbackId: String) -> String {
        "http://127.0.0.1:\(port)/event/\(JSONHTTPClient.escapePathSegment(callbackId))"
    }

    /// The bound port.
    var port: Int { server.withLockedValue { $0?.port ?? 0 } }

    /// Every request received, in order.
    var received: [JSONHTTPRequest] { state.withLockedValue { $0.received } }

    /// Stops the server.
    func close() async throws {
        try await server.withLockedValue { $0 }?.close()
    }
}

/// A sleeper that records the waits and returns at once (no wall clock in tests).
final class RecordingSleeper: Sendable {
    private let waits = NIOLockedValueBox<[Duration]>([])

    /// The waits asked for, in order.
    var recorded: [Duration] { waits.withLockedValue { $0 } }

    /// The sleeper to inject.
    var sleeper: CallbackClient.Sleeper {
        { delay in self.waits.withLockedValue { $0.append(delay) } }
    }
}

extension JSONHTTPResponse {
    /// A response with a JSON object body of strings.
    static func status(_ status: HTTPResponseStatus, _ body: [String: String]) -> JSONHTTPResponse {
        .json(status, body)
    }
}
