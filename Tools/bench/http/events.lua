-- wrk script: POST reference step events to the Loom shim on keep-alive connections.
-- Rotates through the event shapes the reference migrator sends (LOOM-BEHAVIOR.md §4.5).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
-- A callback token the shim verifies (Tools/bench/http/run passes the one the launcher issued).
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("LOOM_BENCH_TOKEN") or "")

local bodies = {
  '{"stepName":"swap-chart-dev","candidateId":"billing-api","success":true,"phase":"open","metadata":{"prUrl":"https://github.com/acme/gitops/pull/7"}}',
  '{"stepName":"verify-ecr-publish","candidateId":"billing-api","success":true,"phase":"awaiting_review","metadata":{"instructions":"Check ECR"}}',
  '{"stepName":"swap-chart-dev","candidateId":"billing-api","success":true,"metadata":{"phase":"merged","prUrl":"https://github.com/acme/gitops/pull/7","commitSha":"abc123"}}',
  '{"stepName":"swap-chart-dev","candidateId":"billing-api","success":false}',
}
local i = 0

request = function()
  i = i + 1
  return wrk.format(nil, "/event/app-chart-migration__billing-api", nil, bodies[(i % #bodies) + 1])
end

local non202 = 0
response = function(status, headers, body)
  if status ~= 202 then non202 = non202 + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("events/s: %.0f\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("p50: %.3f ms  p99: %.3f ms  max: %.3f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("errors: connect %d, read %d, write %d, timeout %d, status %d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout, summary.errors.status))
end
