import CoreMetrics
import NIOHTTP1

/// Request counts and latencies of the shim by method, route template and status, through swift-metrics.
///
/// Metric names: `loom_http_requests_total` (counter) and `loom_http_request_duration_seconds` (timer), with
/// dimensions `method`, `route` (a template such as `/event/{id}`, never an id) and `status`.
/// The factory is the global `MetricsSystem.factory` unless one is given (tests pass their own).
struct HTTPServerMetrics: Sendable {
    let factory: (any MetricsFactory)?

    func record(method: HTTPMethod, route: String, status: HTTPResponseStatus, duration: Duration) {
        let dimensions = [("method", method.rawValue), ("route", route), ("status", String(status.code))]
        let factory = self.factory ?? MetricsSystem.factory
        Counter(label: "loom_http_requests_total", dimensions: dimensions, factory: factory).increment()
        Timer(label: "loom_http_request_duration_seconds", dimensions: dimensions, factory: factory)
            .recordNanoseconds(duration.nanoseconds)
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = self.components
        let (ns, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : ns &+ attoseconds / 1_000_000_000
    }
}
