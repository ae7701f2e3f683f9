import Logging
@testable import LoomHTTP
import LoomMigratorKit
import LoomTLS
import NIOCore
import NIOHTTP1
import Prometheus
import Testing

@Suite("Shim routing layer (in memory)")
struct CallbackShimRouterTests {
    struct Boom: Error, CustomStringConvertible {
        var description: String { "secret internal detail" }
    }

    static func router(
        _ backend: RecordingBackend,
        auth: CallbackShimConfiguration.CallbackAuthMode = .token,
        ready: Bool = true,
        registry: PrometheusCollectorRegistry? = nil
    ) -> CallbackShimRouter {
        CallbackShimRouter(
            backend: backend,
            authMode: auth,
            readiness: { ready },
            registry: registry,
            logger: Logger(label: "test")
        )
    }

    static func post(_ path: String, _ body: String, headers: HTTPHeaders = ["content-type": "application/json"]) -> ShimRequest {
        ShimRequest(method: .POST, uri: path, headers: headers, body: ByteBuffer(string: body))
    }

    static func text(_ response: ShimResponse) -> String {
        String(buffer: response.body)
    }

    @Test("announce: 200 {\"status\":\"SUCCESS\"} and the backend gets the announcement")
    func announce() async throws {
        let backend = RecordingBackend()
        let response = await Self.router(backend).respond(to: Self.post("/registry/announce", ReferenceBodies.announce))
        #expect(response.status == .ok)
        #expect(Self.text(response) == #"{"status":"SUCCESS"}"#)
        #expect(response.headers.first(name: "content-type") == "application/json")
        guard case .announce(let announcement, _) = try #require(backend.recorded.first) else {
            Issue.record("expected announce")
            return
        }
        #expect(announcement.steps.map(\.name) == ["disable-base-resource-prune", "verify-ecr-publish", "swap-chart-dev"])
    }

    @Test("candidates: 204 with no body; statuses and files reach the backend")
    func candidates() async throws {
        let backend = RecordingBackend()
        let response = await Self.router(backend).respond(to: Self.post("/migrations/app-chart-migration/candidates", ReferenceBodies.candidates))
        #expect(response.status == .noContent)
        #expect(response.body.readableBytes == 0)
        guard case .candidates(let candidates, let id) = try #require(backend.recorded.first) else {
            Issue.record("expected candidates")
            return
        }
        #expect(id == "app-chart-migration")
        #expect(candidates.map(\.id) == ["billing-api", "ledger"])
        #expect(candidates[0].files?.first?.files.first?.path == "src/team/sys/dev/app.yaml")
        #expect(candidates[1].status == .running)
    }

    @Test("every reference event shape is accepted with 202 {\"status\":\"event raised\"}", arguments: ReferenceBodies.events.map(\.body))
    func events(body: String) async throws {
        let backend = RecordingBackend()
        let request = Self.post("/event/app-chart-migration__billing-api", body, headers: ["content-type": "application/json", "authorization": "Bearer tok-1"])
        let response = await Self.router(backend).respond(to: request)
        #expect(response.status == .accepted)
        #expect(Self.text(response) == #"{"status":"event raised"}"#)
        guard case .event(let event, let callbackId, let caller) = try #require(backend.recorded.first) else {
            Issue.record("expected event")
            return
        }
        #expect(callbackId == "app-chart-migration__billing-api")
        #expect(caller.bearerToken == "tok-1")
        let expected = try JSONCoding.decode(ReferenceJSON.StepCompletedEvent.self, from: Array(body.utf8))
        #expect(event == expected)
    }

    @Test("pr-opened is served as an event with phase forced to open")
    func prOpened() async throws {
        let backend = RecordingBackend()
        let body = #"{"stepName":"swap-chart-dev","candidateId":"billing-api","success":true,"phase":"completed","metadata":{"prUrl":"u"}}"#
        let request = Self.post("/event/m__c/pr-opened", body, headers: ["authorization": "Bearer t"])
        let response = await Self.router(backend).respond(to: request)
        #expect(response.status == .accepted)
        guard case .event(let event, "m__c", _) = try #require(backend.recorded.first) else {
            Issue.record("expected event")
            return
        }
        #expect(event.phase == "open")
        #expect(event.metadata == ["prUrl": "u"])
    }

    @Test("events without a bearer token reach the backend without one in token mode (it refuses and records them)", arguments: [
        HTTPHeaders(), ["authorization": "Basic abc"], ["authorization": "Bearer "], ["authorization": "Bearer"],
    ])
    func missingToken(headers: HTTPHeaders) async throws {
        let backend = RecordingBackend()
        _ = await Self.router(backend).respond(to: Self.post("/event/m__c", ReferenceBodies.events[0].body, headers: headers))
        guard case .event(_, "m__c", let caller) = try #require(backend.recorded.first) else {
            Issue.record("expected the event to reach the backend")
            return
        }
        #expect(caller.bearerToken == nil)
    }

    @Test("mtls mode needs a client certificate identity; none mode needs nothing")
    func otherModes() async {
        let backend = RecordingBackend()
        let noCert = await Self.router(backend, auth: .mtls).respond(to: Self.post("/event/m__c", ReferenceBodies.events[0].body))
        #expect(noCert.status == .unauthorized)
        var withCert = Self.post("/event/m__c", ReferenceBodies.events[0].body)
        withCert.peerIdentity = PeerIdentity(value: "spiffe://acme/migrator", source: .uri)
        #expect(await Self.router(backend, auth: .mtls).respond(to: withCert).status == .accepted)
        #expect(await Self.router(backend, auth: .none).respond(to: Self.post("/event/m__c", ReferenceBodies.events[0].body)).status == .accepted)
        #expect(backend.recorded.count == 2)
    }

    @Test("bad bodies are 400 with a JSON error and change nothing", arguments: [
        ("/registry/announce", #"{"id":"x""#),
        ("/registry/announce", #"{"id":1,"name":"n","steps":[],"migratorUrl":"u"}"#),
        ("/registry/announce", #"{"name":"n","steps":[],"migratorUrl":"u"}"#),
        ("/registry/announce", ""),
        ("/migrations/m/candidates", #"{"candidates":[{"id":"c"}]}"#),
        ("/migrations/m/candidates", #"{"candidates":[{"id":"c","kind":"k","status":"done"}]}"#),
        ("/migrations/m/candidates", #"{"candidates":{"id":"c"}}"#),
        ("/migrations/m/candidates", #"{}"#),
        ("/migrations/m/candidates", "null"),
        ("/event/m__c", #"{"stepName":"s","candidateId":"c","success":"true"}"#),
        ("/event/m__c", #"{"stepName":"s","success":true}"#),
        ("/event/m__c", #"{"stepName":"s","candidateId":"c","success":true,"phase":5}"#),
        ("/event/m__c/pr-opened", "not json"),
    ])
    func badBodies(path: String, body: String) async throws {
        let backend = RecordingBackend()
        let request = Self.post(path, body, headers: ["content-type": "application/json", "authorization": "Bearer t"])
        let response = await Self.router(backend).respond(to: request)
        #expect(response.status == .badRequest)
        let error = try JSONCoding.decode(ReferenceJSON.ErrorResponse.self, from: Array(buffer: response.body))
        #expect(!error.error.isEmpty)
        #expect(backend.recorded.isEmpty)
    }

    @Test("a non-JSON content type is 400")
    func contentType() async {
        let backend = RecordingBackend()
        let response = await Self.router(backend).respond(to: Self.post("/registry/announce", ReferenceBodies.announce, headers: ["content-type": "text/plain"]))
        #expect(response.status == .badRequest)
        #expect(backend.recorded.isEmpty)
        let ok = await Self.router(backend).respond(to: Self.post("/registry/announce", ReferenceBodies.announce, headers: ["content-type": "application/json; charset=utf-8"]))
        #expect(ok.status == .ok)
    }

    @Test("unknown route is 404 JSON; wrong method is 405 JSON with Allow")
    func notFoundAndMethod() async {
        let router = Self.router(RecordingBackend())
        let missing = await router.respond(to: ShimRequest(method: .GET, uri: "/migrations"))
        #expect(missing.status == .notFound)
        #expect(Self.text(missing) == #"{"error":"not found"}"#)
        let wrong = await router.respond(to: ShimRequest(method: .GET, uri: "/event/x?y=1"))
        #expect(wrong.status == .methodNotAllowed)
        #expect(wrong.headers.first(name: "allow") == "POST")
        #expect(Self.text(wrong) == #"{"error":"method not allowed"}"#)
    }

    @Test("known errors keep their status; unknown errors are 500 without their text")
    func errorMapping() async {
        let conflict = RecordingBackend { _ in throw ShimError.conflict("stale callback token") }
        let request = Self.post("/event/m__c", ReferenceBodies.events[0].body, headers: ["authorization": "Bearer t"])
        let stale = await Self.router(conflict).respond(to: request)
        #expect(stale.status == .conflict)
        #expect(Self.text(stale) == #"{"error":"stale callback token"}"#)

        let failing = RecordingBackend { _ in throw Boom() }
        let internalError = await Self.router(failing).respond(to: request)
        #expect(internalError.status == .internalServerError)
        #expect(Self.text(internalError) == #"{"error":"internal error"}"#)
    }

    @Test("healthz is 200; readyz follows the readiness probe")
    func probes() async {
        let backend = RecordingBackend()
        #expect(await Self.router(backend).respond(to: ShimRequest(method: .GET, uri: "/healthz")).status == .ok)
        #expect(await Self.router(backend, ready: true).respond(to: ShimRequest(method: .GET, uri: "/readyz")).status == .ok)
        let notReady = await Self.router(backend, ready: false).respond(to: ShimRequest(method: .GET, uri: "/readyz"))
        #expect(notReady.status == .serviceUnavailable)
        #expect(Self.text(notReady) == #"{"error":"not ready"}"#)
    }

    @Test("request counts and latencies by method, route template and status reach the metrics registry")
    func requestMetrics() async {
        let registry = PrometheusCollectorRegistry()
        let router = CallbackShimRouter(
            backend: RecordingBackend(),
            authMode: .token,
            readiness: { true },
            registry: registry,
            metricsFactory: PrometheusMetricsFactory(registry: registry),
            logger: Logger(label: "test")
        )
        let event = Self.post("/event/run-secret-id", ReferenceBodies.events[0].body, headers: ["authorization": "Bearer t"])
        _ = await router.respond(to: event)
        _ = await router.respond(to: event)
        _ = await router.respond(to: ShimRequest(method: .GET, uri: "/nowhere"))
        let text = Self.text(await router.respond(to: ShimRequest(method: .GET, uri: "/metrics")))
        #expect(text.contains(#"loom_http_requests_total{method="POST",route="/event/{id}",status="202"} 2"#))
        #expect(text.contains(#"loom_http_requests_total{method="GET",route="unmatched",status="404"} 1"#))
        #expect(text.contains("loom_http_request_duration_seconds_bucket"))
        #expect(!text.contains("run-secret-id"))
    }

    @Test("metrics renders the given Prometheus registry as text")
    func metrics() async {
        let registry = PrometheusCollectorRegistry()
        registry.makeCounter(descriptor: MetricNameDescriptor(metricName: "loom_runs_started", unitName: "total", helpText: "Runs started")).increment(by: Int64(3))
        let response = await Self.router(RecordingBackend(), registry: registry).respond(to: ShimRequest(method: .GET, uri: "/metrics"))
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "content-type")?.hasPrefix("text/plain") == true)
        #expect(Self.text(response).contains("loom_runs_started_total 3"))
    }
}
