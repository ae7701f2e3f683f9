import CoreMetrics
import Logging
import LoomMigratorKit
import NIOCore
import NIOHTTP1
import Prometheus

/// The shim's routing layer: turns one complete ``ShimRequest`` into one ``ShimResponse``.
///
/// It matches the route (404/405), checks the content type and decodes the body (400), checks that the
/// credentials the auth mode needs are present (401), calls the ``CallbackShimBackend``, and maps errors through
/// ``HTTPErrorMapping``. It knows nothing of sockets, so tests can drive it directly ("in-memory mode").
public struct CallbackShimRouter: Sendable {
    /// Answers `GET /readyz`: `true` when the store (and whatever else the server needs) is reachable.
    public typealias Readiness = @Sendable () async -> Bool

    let backend: any CallbackShimBackend
    let authMode: CallbackShimConfiguration.CallbackAuthMode
    let readiness: Readiness
    let registry: PrometheusCollectorRegistry?
    let metrics: HTTPServerMetrics
    let logger: Logger

    /// Creates a router.
    /// - Parameters:
    ///   - backend: The use cases behind the routes.
    ///   - authMode: How events are authenticated.
    ///   - readiness: Readiness probe for `GET /readyz`.
    ///   - registry: The registry `GET /metrics` renders; `nil` makes `/metrics` answer 404. The process should
    ///     bootstrap swift-metrics with `PrometheusMetricsFactory(registry:)` on the same registry, so the
    ///     service's, orchestrator's and RPC server's metrics appear there too.
    ///   - metricsFactory: Where the shim's own request metrics go; `nil` uses the global `MetricsSystem.factory`.
    ///   - logger: Where unexpected errors are logged.
    public init(
        backend: any CallbackShimBackend,
        authMode: CallbackShimConfiguration.CallbackAuthMode,
        readiness: @escaping Readiness,
        registry: PrometheusCollectorRegistry?,
        metricsFactory: (any MetricsFactory)? = nil,
        logger: Logger
    ) {
        self.backend = backend
        self.authMode = authMode
        self.readiness = readiness
        self.registry = registry
        self.metrics = HTTPServerMetrics(factory: metricsFactory)
        self.logger = logger
    }

    /// Handles one request; never throws: every failure becomes an error response.
    public func respond(to request: ShimRequest) async -> ShimResponse {
        let start = ContinuousClock.now
        let template: String
        let response: ShimResponse
        switch ShimRoute.match(method: request.method, path: request.path) {
        case .notFound:
            template = "unmatched"
            response = .error(.notFound, "not found")
        case .methodNotAllowed(let allow, let routeTemplate):
            template = routeTemplate
            response = .error(.methodNotAllowed, "method not allowed", headers: ["allow": allow.rawValue])
        case .matched(let route):
            template = route.template
            do {
                response = try await self.handle(route, request)
            } catch {
                response = HTTPErrorMapping.response(for: error, route: template, logger: self.logger)
            }
        }
        self.metrics.record(
            method: request.method,
            route: template,
            status: response.status,
            duration: ContinuousClock.now - start
        )
        return response
    }

    private func handle(_ route: ShimRoute, _ request: ShimRequest) async throws -> ShimResponse {
        switch route {
        case .health:
            return .json(.ok, ReferenceJSON.StatusResponse(status: "ok"))
        case .ready:
            if await self.readiness() {
                return .json(.ok, ReferenceJSON.StatusResponse(status: "ready"))
            }
            return .error(.serviceUnavailable, "not ready")
        case .metrics:
            guard let registry = self.registry else { throw ShimError.notFound("not found") }
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            return ShimResponse(
                status: .ok,
                headers: ["content-type": "text/plain; version=0.0.4; charset=utf-8"],
                body: ByteBuffer(bytes: bytes)
            )
        case .announce:
            let body = try Self.decodeBody(ReferenceJSON.MigrationAnnouncement.self, request)
            let rejected = try await self.backend.announce(body, caller: self.caller(request, requireCredentials: false))
            return .json(.ok, ReferenceJSON.StatusResponse(status: "SUCCESS", rejected: rejected.isEmpty ? nil : rejected))
        case .submitCandidates(let migrationId):
            let body = try Self.decodeBody(ReferenceJSON.SubmitCandidatesRequest.self, request)
            let rejected = try await self.backend.submitCandidates(
                body.candidates,
                migrationId: migrationId,
                caller: self.caller(request, requireCredentials: false)
            )
            // The reference answers 204; when some candidates were refused, 200 says which.
            if rejected.isEmpty { return ShimResponse(status: .noContent) }
            return .json(.ok, ReferenceJSON.StatusResponse(status: "PARTIAL", rejected: rejected))
        case .event(let callbackId):
            let event = try Self.decodeBody(ReferenceJSON.StepCompletedEvent.self, request)
            return Self.eventResponse(
                try await self.backend.recordEvent(event, callbackId: callbackId, caller: self.caller(request, requireCredentials: true)))
        case .prOpened(let callbackId):
            let event = try Self.decodeBody(ReferenceJSON.StepCompletedEvent.self, request)
            return Self.eventResponse(
                try await self.backend.recordPullRequestOpened(
                    event,
                    callbackId: callbackId,
                    caller: self.caller(request, requireCredentials: true)
                ))
        }
    }

    /// `202 {"status":"event raised"}` for an event applied now (the reference's answer); `200
    /// {"status":"already applied"}` for an exact repeat of one applied earlier, so that a
    /// migrator resending after a lost answer can tell it from both a new application and a
    /// refusal (409).
    private static func eventResponse(_ outcome: ShimEventOutcome) -> ShimResponse {
        switch outcome {
        case .applied: .json(.accepted, ReferenceJSON.StatusResponse(status: "event raised"))
        case .alreadyApplied: .json(.ok, ReferenceJSON.StatusResponse(status: "already applied"))
        }
    }

    /// The caller; for event routes in `mtls` mode, fails with 401 without a client identity.
    /// A missing token (mode `token`) goes on to the backend, which refuses the event and
    /// records the refusal in the run's history, so a migrator that sends no token leaves a
    /// trace instead of a run that silently waits.
    private func caller(_ request: ShimRequest, requireCredentials: Bool) throws(ShimError) -> ShimCaller {
        let caller = ShimCaller(bearerToken: request.bearerToken, peerIdentity: request.peerIdentity, authMode: self.authMode)
        guard requireCredentials else { return caller }
        switch self.authMode {
        case .token:
            break
        case .mtls:
            guard caller.peerIdentity != nil else { throw .unauthorized("client certificate required") }
        case .none:
            break
        }
        return caller
    }

    /// Decodes a JSON body; 400 when it is absent, not JSON, or of the wrong shape.
    static func decodeBody<T: Decodable>(_ type: T.Type, _ request: ShimRequest) throws -> T {
        if let contentType = request.headers.first(name: "content-type"), !Self.isJSON(contentType) {
            throw ShimError.badRequest("Content-Type must be application/json")
        }
        guard request.body.readableBytes > 0 else { throw ShimError.badRequest("request body is required") }
        return try request.body.readableBytesView.withContiguousStorageIfAvailable { bytes throws(JSONBodyError) in
            try JSONCoding.decode(T.self, from: bytes)
        } ?? JSONCoding.decode(T.self, from: request.body.readableBytesView)
    }

    private static func isJSON(_ contentType: String) -> Bool {
        var mediaType = Substring(contentType.split(separator: ";", maxSplits: 1).first ?? "")
        while mediaType.first == " " { mediaType.removeFirst() }
        while mediaType.last == " " { mediaType.removeLast() }
        let lowered = mediaType.lowercased()
        return lowered == "application/json" || (lowered.hasPrefix("application/") && lowered.hasSuffix("+json"))
    }
}
