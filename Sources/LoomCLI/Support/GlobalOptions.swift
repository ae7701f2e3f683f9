import ArgumentParser
import Logging
import LoomAPI
import LoomRPC
import LoomTLS
import NIOCore

/// The connection and output options every subcommand takes.
///
/// Environment fallbacks (`LOOM_SERVER`, `LOOM_CA`, `LOOM_CERT`, `LOOM_KEY`) are applied after parsing by
/// ``ConnectionSettings/resolve(_:environment:)``, so `--help` never shows their values.
public struct GlobalOptions: ParsableArguments, Sendable {
    /// `--server host:port`.
    @Option(name: .long, help: ArgumentHelp("Loom server address, host:port or [ipv6]:port (default 127.0.0.1:7443; env LOOM_SERVER).", valueName: "host:port"))
    public var server: String?

    /// `--ca FILE`.
    @Option(name: .long, help: ArgumentHelp("PEM bundle of CAs trusted to sign the server certificate (env LOOM_CA; default: the system trust store).", valueName: "file"))
    public var ca: String?

    /// `--cert FILE`.
    @Option(name: .long, help: ArgumentHelp("PEM client certificate chain for mTLS (env LOOM_CERT); needs --key.", valueName: "file"))
    public var cert: String?

    /// `--key FILE`.
    @Option(name: .long, help: ArgumentHelp("PEM private key of --cert (env LOOM_KEY).", valueName: "file"))
    public var key: String?

    /// `--server-name NAME`.
    @Option(name: .customLong("server-name"), help: ArgumentHelp("Host name the server certificate must match (default: the host of --server).", valueName: "name"))
    public var serverName: String?

    /// `--insecure`.
    @Flag(name: .long, help: "Plaintext connection without TLS (development only; prints a warning).")
    public var insecure = false

    /// `--timeout SECONDS`.
    @Option(name: .long, help: ArgumentHelp("Seconds each call may take, connecting included (run watch: connecting only).", valueName: "seconds"))
    public var timeout: Double = 30

    /// `--json`.
    @Flag(name: .long, help: "Print JSON for scripts instead of tables (no colours).")
    public var json = false

    /// Creates the options with their defaults.
    public init() {}

    /// Checks values that do not depend on the environment.
    public func validate() throws {
        guard timeout > 0, timeout.isFinite, timeout <= 86_400 else {
            throw ValidationError("--timeout must be a number of seconds between 0 and 86400")
        }
        if insecure, ca != nil || cert != nil || key != nil || serverName != nil {
            throw ValidationError("--insecure cannot be combined with --ca, --cert, --key or --server-name")
        }
    }
}

/// The options after environment fallbacks: where to connect and how.
public struct ConnectionSettings: Sendable, Hashable {
    /// The server address.
    public var address: InputParsing.ServerAddress
    /// Trusted CA bundle, `nil` for the system trust store.
    public var caPath: String?
    /// Client certificate chain, with ``keyPath``.
    public var certificatePath: String?
    /// Client private key.
    public var keyPath: String?
    /// TLS host name override.
    public var serverName: String?
    /// Plaintext.
    public var insecure: Bool
    /// Per-call timeout in seconds.
    public var timeout: Double
    /// JSON output.
    public var json: Bool

    /// Applies the `LOOM_*` fallbacks to `options` and checks the result. With `--insecure`, the TLS variables
    /// are ignored.
    public static func resolve(_ options: GlobalOptions, environment: [String: String]) throws(CLIError) -> ConnectionSettings {
        func value(_ flag: String?, _ variable: String) -> String? {
            if let flag { return flag }
            guard let fromEnvironment = environment[variable], !fromEnvironment.isEmpty else { return nil }
            return fromEnvironment
        }
        let address = try InputParsing.serverAddress(value(options.server, "LOOM_SERVER") ?? "127.0.0.1:\(InputParsing.defaultPort)")
        var settings = ConnectionSettings(
            address: address,
            caPath: nil,
            certificatePath: nil,
            keyPath: nil,
            serverName: options.serverName,
            insecure: options.insecure,
            timeout: options.timeout,
            json: options.json
        )
        if !options.insecure {
            settings.caPath = value(options.ca, "LOOM_CA")
            settings.certificatePath = value(options.cert, "LOOM_CERT")
            settings.keyPath = value(options.key, "LOOM_KEY")
            switch (settings.certificatePath, settings.keyPath) {
            case (.some, nil): throw .usage("--cert (LOOM_CERT) needs --key (LOOM_KEY)")
            case (nil, .some): throw .usage("--key (LOOM_KEY) needs --cert (LOOM_CERT)")
            default: break
            }
        }
        return settings
    }

    /// The transport security: TLS (ALPN `loom/1`, the client certificate if given) unless insecure.
    public func transportSecurity() throws(CLIError) -> RPCTransportSecurity {
        if insecure { return .insecure }
        let configuration = TLSConfig.defaults {
            if let certificatePath, let keyPath {
                $0.certificates = .init(chainPath: certificatePath, privateKeyPath: keyPath)
            }
            $0.trustRootsPath = caPath
            $0.alpnProtocols = [RPCTransportSecurity.alpnProtocol]
            $0.serverName = serverName
        }
        do {
            return .tls(try TLSContext.client(configuration), serverHostname: serverName)
        } catch {
            throw .usage("TLS setup failed: \(error)")
        }
    }

    /// The per-call options: the timeout.
    public var callOptions: RPCCallOptions {
        RPCCallOptions(timeout: .nanoseconds(Int64(timeout * 1_000_000_000)))
    }

    /// A client for the server; its transport logs nothing (loomctl reports errors itself).
    public func makeClient() throws(CLIError) -> LoomClient {
        let security = try transportSecurity()
        let connectTimeout = TimeAmount.nanoseconds(Int64(timeout * 1_000_000_000))
        let configuration = RPCClient.Configuration.defaults(transportSecurity: security) {
            $0.connectTimeout = connectTimeout
        }
        let logger = Logger(label: "loomctl", factory: { _ in SwiftLogNoOpLogHandler() })
        return LoomClient(host: address.host, port: address.port, configuration: configuration, logger: logger)
    }
}
