import UnixSignals

/// Waits for SIGTERM or SIGINT.
enum UnixSignalsWaiter {
    static func wait() async -> UnixSignal {
        for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) { return signal }
        return .sigterm
    }
}
