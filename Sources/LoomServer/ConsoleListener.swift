import Logging
import LoomConsole
import LoomTLS
import NIOCore
import ServiceLifecycle

extension Parts {
    /// Starts the operator console on its own listener when `--console-listen` is set (`nil` otherwise): the
    /// service and policy of the RPC face, the server's connection budget, and for `--console-auth mtls` a TLS
    /// context from the server certificate that requires browser client certificates signed by `--tls-ca`.
    func startConsole(
        _ configuration: ServerConfiguration, limits: ConnectionLimits, group: any EventLoopGroup, logger: Logger
    ) async throws -> ConsoleServer? {
        guard let console = configuration.console else { return nil }
        let tls = try configuration.consoleAuth == .mtls ? configuration.tls.map { files in
            var settings = TLSSettings.server(files, configuration: configuration, alpn: ["http/1.1"])
            settings.clientAuthentication = .require
            return try TLSContext.server(settings)
        } : nil
        let router = ConsoleRouter(service: service, access: access, configuration: console, formKey: consoleFormKey, logger: logger)
        let server = ConsoleServer(configuration: console, router: router, tls: tls, limits: limits, group: group, logger: logger)
        try await server.start()
        return server
    }
}

/// Stops the console on graceful shutdown (its event streams end; browsers reconnect elsewhere).
struct ConsoleService: ServiceLifecycle.Service {
    let console: ConsoleServer?

    func run() async throws {
        try? await gracefulShutdown()
        await console?.shutdown()
    }
}
