import Logging
import LoomHTTP
import NIOCore
import NIOPosix

/// Runs a real shim on 127.0.0.1 with a free port for the duration of `body`.
func withLiveShim<R: Sendable>(
    backend: any CallbackShimBackend,
    configure: (inout CallbackShimConfiguration) -> Void = { _ in },
    _ body: (_ port: Int) async throws -> R
) async throws -> R {
    let config = CallbackShimConfiguration.defaults {
        $0.port = 0
        configure(&$0)
    }
    let router = CallbackShimRouter(
        backend: backend,
        authMode: config.callbackAuth,
        readiness: { true },
        registry: nil,
        logger: Logger(label: "test")
    )
    let shim = CallbackShim(configuration: config, router: router, group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test"))
    try await shim.start()
    do {
        let port = try requirePort(shim.localPort)
        let result = try await body(port)
        try await shim.shutdown()
        return result
    } catch {
        try await shim.shutdown()
        throw error
    }
}

struct NoPortError: Error {}

func requirePort(_ port: Int?) throws -> Int {
    guard let port else { throw NoPortError() }
    return port
}
