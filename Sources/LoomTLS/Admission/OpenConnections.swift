import NIOConcurrencyHelpers
import NIOCore

/// A listener's channel and its open connections, so a server can close them all on shutdown — and refuse, at
/// once, a connection accepted while it stops.
public final class OpenConnections: Sendable {
    private struct State {
        var listener: (any Channel)?
        var connections: [ObjectIdentifier: any Channel] = [:]
        var stopped = false
    }

    private let state = NIOLockedValueBox(State())

    /// Creates an empty set.
    public init() {}

    /// The port the listener is bound to, once set.
    public var localPort: Int? { state.withLockedValue { $0.listener?.localAddress?.port } }

    /// Records the bound listener.
    public func listening(on channel: any Channel) {
        state.withLockedValue { $0.listener = channel }
    }

    /// Tracks an accepted connection until it closes; one accepted after ``closeAll()`` began is closed at once.
    public func track(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let accepted = state.withLockedValue { state -> Bool in
            guard !state.stopped else { return false }
            state.connections[id] = channel
            return true
        }
        guard accepted else {
            channel.close(promise: nil)
            return
        }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.state.withLockedValue { $0.connections.removeValue(forKey: id) }
        }
    }

    /// Closes the listener, then every open connection. Idempotent.
    public func closeAll() async {
        let (listener, connections) = state.withLockedValue { state in
            state.stopped = true
            let result = (state.listener, Array(state.connections.values))
            state.listener = nil
            state.connections = [:]
            return result
        }
        try? await listener?.close()
        for connection in connections { try? await connection.close() }
    }
}
