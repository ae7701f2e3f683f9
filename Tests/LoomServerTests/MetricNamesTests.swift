import Metrics
import Prometheus
import Testing

@testable import LoomServer

@Suite("Metric names")
struct MetricNamesTests {
    @Test("dotted LoomCore metric names reach /metrics as valid Prometheus names")
    func names() {
        #expect(MetricsSystem.prometheusName("loom.events.rejected.total") == "loom_events_rejected_total")
        #expect(MetricsSystem.prometheusName("loom.dry_runs.total") == "loom_dry_runs_total")
        #expect(MetricsSystem.prometheusName("a-b c") == "a_b_c")
        let registry = MetricsSystem.sharedRegistry
        Counter(label: "loom.events.rejected.total", dimensions: [("reason", "missing_token")]).increment()
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains(#"loom_events_rejected_total{reason="missing_token"}"#))
        #expect(!text.contains("loom.events"))
    }
}
