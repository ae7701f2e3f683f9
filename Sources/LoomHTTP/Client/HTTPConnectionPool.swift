import NIOConcurrencyHelpers
import NIOCore

/// Idle keep-alive connections per migrator host (scheme, host, port).
///
/// Connections are taken out while a request runs and put back only after a complete keep-alive response, so a
/// connection is never shared by two requests. The most recently used connection is reused first; one idle for
/// longer than `idleTimeout`, or closed by the peer, is dropped.
final class HTTPConnectionPool: Sendable {
    private struct Idle {
        var channel: any Channel
        var since: NIODeadline
    }

    private struct State {
        var idle: [MigratorEndpoint.PoolKey: [Idle]] = [:]
        var closed = false
    }

    private let state = NIOLockedValueBox(State())
    private let maxIdlePerHost: Int
    private let idleTimeout: TimeAmount

    init(maxIdlePerHost: Int, idleTimeout: Duration) {
        self.maxIdlePerHost = maxIdlePerHost
        self.idleTimeout = .nanoseconds(idleTimeout.nanoseconds)
    }

    /// An idle live connection to `key`, if one is pooled.
    func take(_ key: MigratorEndpoint.PoolKey) -> (any Channel)? {
        let now = NIODeadline.now()
        var stale: [any Channel] = []
        let found = self.state.withLockedValue { state -> (any Channel)? in
            guard var list = state.idle[key] else { return nil }
            defer { state.idle[key] = list.isEmpty ? nil : list }
            while let last = list.popLast() {
                if last.channel.isActive, now - last.since < self.idleTimeout {
                    return last.channel
                }
                stale.append(last.channel)
            }
            return nil
        }
        for channel in stale {
            channel.close(promise: nil)
        }
        return found
    }

    /// Returns a connection after a complete keep-alive exchange; closes it when the pool is full or closed.
    func put(_ channel: any Channel, for key: MigratorEndpoint.PoolKey) {
        let kept = self.state.withLockedValue { state -> Bool in
            guard !state.closed, channel.isActive else { return false }
            var list = state.idle[key] ?? []
            guard list.count < self.maxIdlePerHost else { return false }
            list.append(Idle(channel: channel, since: .now()))
            state.idle[key] = list
            return true
        }
        if !kept {
            channel.close(promise: nil)
        }
    }

    /// Number of idle pooled connections to `key` (for tests and metrics).
    func idleCount(_ key: MigratorEndpoint.PoolKey) -> Int {
        self.state.withLockedValue { $0.idle[key]?.count ?? 0 }
    }

    /// Closes every idle connection; later `put`s close their connection.
    func close() async {
        let channels = self.state.withLockedValue { state -> [any Channel] in
            state.closed = true
            let all = state.idle.values.flatMap { $0.map(\.channel) }
            state.idle = [:]
            return all
        }
        for channel in channels {
            try? await channel.close()
        }
    }
}
