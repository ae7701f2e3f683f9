import Logging
import Synchronization

/// The one owner of everything the server starts: Redis connections, the migrator HTTP
/// client, background tasks and the listeners are adopted as each starts, and stopped newest
/// first — after a normal stop (once the service group has drained), and as soon as a later
/// start fails, so that a shim that cannot bind leaves no RPC listener bound and no Redis
/// connection open.
final class ServerResources: Sendable {
    private struct Resource {
        var name: String
        var stop: @Sendable () async -> Void
    }

    private let resources = Mutex<[Resource]>([])
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// Adopts a started resource; `stop` releases it (it may already be stopped: stops are
    /// idempotent).
    func adopt(_ name: String, stop: @escaping @Sendable () async -> Void) {
        resources.withLock { $0.append(Resource(name: name, stop: stop)) }
    }

    /// Starts `name` (a listener) with `start` and adopts it with `stop`.
    /// - Throws: ``StartError`` naming the resource when it cannot start (nothing is adopted).
    func start<Value: Sendable>(
        _ name: String, _ start: () async throws -> Value, stop: @escaping @Sendable (Value) async -> Void
    ) async throws -> Value {
        let value: Value
        do {
            value = try await start()
        } catch {
            throw StartError(what: name, reason: "\(error)")
        }
        adopt(name) { await stop(value) }
        return value
    }

    /// Stops every adopted resource, newest first. Idempotent.
    func stopAll() async {
        let adopted = resources.withLock { resources -> [Resource] in
            defer { resources = [] }
            return resources
        }
        for resource in adopted.reversed() {
            logger.debug("stopping", metadata: ["resource": "\(resource.name)"])
            await resource.stop()
        }
    }
}

/// A part of the server that could not start (a listener whose address is taken…): the server
/// releases what already started and exits 1 with this message.
public struct StartError: Error, Sendable, CustomStringConvertible {
    /// What could not start, naming its flag (`the REST shim listener (--http-listen 0.0.0.0:8080)`).
    public var what: String
    /// Why.
    public var reason: String

    public var description: String { "\(what): \(reason)" }
}
