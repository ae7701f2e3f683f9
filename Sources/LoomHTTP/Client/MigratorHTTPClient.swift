import Logging
import LoomMigratorKit
import LoomTLS
import NIOCore

/// Loom's client for migrators: `POST {migratorUrl}/dispatch-step` and `POST {migratorUrl}/dry-run` with the
/// reference JSON bodies (documented in Protos/loom-http.openapi.yaml, callbacks of `announce`), and the optional `POST {migratorUrl}/step-status`.
///
/// Dispatch succeeds on any 2xx; a dry run only on exactly 200 with a valid `DryRunResult`; a status check on
/// 200 with a step event, 202, 404, 405 or 501. Everything else — including 3xx, which is never followed — is a
/// ``MigratorClientError`` carrying the status and a body excerpt.
///
/// ```swift
/// let client = MigratorHTTPClient(group: group, configuration: .defaults { $0.dispatchTimeout = .seconds(10) })
/// try await client.dispatchStep(body, migratorUrl: "http://app-chart-migrator:3001")
/// ```
public final class MigratorHTTPClient: Sendable {
    private let http: PooledHTTPClient
    private let configuration: MigratorHTTPClientConfiguration

    /// Creates a client.
    /// - Parameters:
    ///   - group: Event loops for connections.
    ///   - configuration: Timeouts, pool size and limits.
    ///   - tls: A client TLS context for `https://` migrator URLs (trust roots, optional client certificate for
    ///     mTLS); the server certificate must name the URL's host. `nil` makes `https://` calls fail with
    ///     `tlsFailed`.
    public init(group: any EventLoopGroup, configuration: MigratorHTTPClientConfiguration = .defaults, tls: TLSContext? = nil) {
        self.http = PooledHTTPClient(group: group, configuration: configuration, tls: tls)
        self.configuration = configuration
    }

    /// Sends a step to the migrator; returns when it answered 2xx.
    ///
    /// The body's `idempotencyKey`, when set, is also sent as an `Idempotency-Key` header.
    /// - Parameters:
    ///   - request: The dispatch body.
    ///   - migratorUrl: The migrator's base URL.
    ///   - timeout: Bound for the whole call; `nil` uses the configured dispatch timeout.
    /// - Throws: ``MigratorClientError``.
    public func dispatchStep(
        _ request: ReferenceJSON.DispatchStepRequest,
        migratorUrl: String,
        timeout: Duration? = nil
    ) async throws(MigratorClientError) {
        let endpoint = try MigratorEndpoint(parsing: migratorUrl)
        let response = try await self.http.postJSON(
            JSONCoding.encode(request),
            to: endpoint,
            path: "/dispatch-step",
            timeout: timeout ?? self.configuration.dispatchTimeout,
            extraHeaders: request.idempotencyKey.map { [("idempotency-key", $0)] } ?? []
        )
        guard (200..<300).contains(response.status.code) else {
            throw .unexpectedStatus(Int(response.status.code), body: response.body, call: "dispatch-step")
        }
    }

    /// Asks the migrator for a dry run.
    /// - Parameters:
    ///   - request: The dry-run body.
    ///   - migratorUrl: The migrator's base URL.
    ///   - timeout: Bound for the whole call; `nil` uses the configured dry-run timeout.
    /// - Throws: ``MigratorClientError``.
    public func dryRun(
        _ request: ReferenceJSON.DryRunRequest,
        migratorUrl: String,
        timeout: Duration? = nil
    ) async throws(MigratorClientError) -> ReferenceJSON.DryRunResult {
        let endpoint = try MigratorEndpoint(parsing: migratorUrl)
        let response = try await self.http.postJSON(
            JSONCoding.encode(request),
            to: endpoint,
            path: "/dry-run",
            timeout: timeout ?? self.configuration.dryRunTimeout
        )
        guard response.status.code == 200 else {
            throw .unexpectedStatus(Int(response.status.code), body: response.body, call: "dry-run")
        }
        do {
            return try JSONCoding.decode(ReferenceJSON.DryRunResult.self, from: response.body)
        } catch {
            throw MigratorClientError(
                code: .invalidResponse,
                message: "dry-run: invalid DryRunResult (\(error.message))",
                statusCode: 200,
                bodyExcerpt: MigratorClientError.excerpt(response.body)
            )
        }
    }

    /// What a migrator answered to `POST /step-status`.
    public enum StepStatusReply: Hashable, Sendable {
        /// 200 with a step event: the step's outcome.
        case outcome(ReferenceJSON.StepCompletedEvent)
        /// 202: still working.
        case working
        /// 404, 405 or 501: the migrator has no such endpoint.
        case unsupported(Int)
    }

    /// Asks the migrator where a step it acknowledged stands (`POST {migratorUrl}/step-status`), with the
    /// dispatch's idempotency key also as an `Idempotency-Key` header.
    /// - Parameters:
    ///   - request: The status body.
    ///   - migratorUrl: The migrator's base URL.
    ///   - timeout: Bound for the whole call; `nil` uses the configured dispatch timeout.
    /// - Throws: ``MigratorClientError`` for any other status (`unexpectedStatus`), a 200 whose body is not a
    ///   step event (`invalidResponse`), and transport failures.
    public func stepStatus(
        _ request: ReferenceJSON.StepStatusRequest,
        migratorUrl: String,
        timeout: Duration? = nil
    ) async throws(MigratorClientError) -> StepStatusReply {
        let endpoint = try MigratorEndpoint(parsing: migratorUrl)
        let response = try await self.http.postJSON(
            JSONCoding.encode(request),
            to: endpoint,
            path: "/step-status",
            timeout: timeout ?? self.configuration.dispatchTimeout,
            extraHeaders: [("idempotency-key", request.idempotencyKey)]
        )
        switch response.status.code {
        case 200:
            do {
                return .outcome(try JSONCoding.decode(ReferenceJSON.StepCompletedEvent.self, from: response.body))
            } catch {
                throw MigratorClientError(
                    code: .invalidResponse,
                    message: "step-status: the answer is not a step event (\(error.message))",
                    statusCode: 200,
                    bodyExcerpt: MigratorClientError.excerpt(response.body)
                )
            }
        case 202:
            return .working
        case 404, 405, 501:
            return .unsupported(Int(response.status.code))
        default:
            throw .unexpectedStatus(Int(response.status.code), body: response.body, call: "step-status")
        }
    }

    /// Idle pooled connections to the host of `migratorUrl` (0 for an invalid URL).
    public func idleConnections(to migratorUrl: String) -> Int {
        guard let endpoint = try? MigratorEndpoint(parsing: migratorUrl) else { return 0 }
        return self.http.idleConnections(to: endpoint)
    }

    /// Closes pooled connections. In-flight calls finish on their own connections.
    public func shutdown() async {
        await self.http.shutdown()
    }
}
