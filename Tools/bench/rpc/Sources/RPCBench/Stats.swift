import Foundation

/// Latency samples in nanoseconds.
struct LatencySamples {
    var nanos: [UInt64] = []

    mutating func add(_ value: UInt64) { nanos.append(value) }

    func percentile(_ p: Double) -> Double {
        guard !nanos.isEmpty else { return .nan }
        let sorted = nanos.sorted()
        let index = min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.down)))
        return Double(sorted[index]) / 1000
    }
}

/// A monotonic clock reading in nanoseconds.
@inline(__always)
func nowNanos() -> UInt64 {
    DispatchTime.now().uptimeNanoseconds
}

struct BenchResult {
    var name: String
    var p50: Double = .nan
    var p99: Double = .nan
    var callsPerSecond: Double = .nan
}

func format(_ value: Double, _ digits: Int = 1) -> String {
    value.isNaN ? "-" : String(format: "%.\(digits)f", value)
}

func printTable(_ results: [BenchResult]) {
    print("")
    print("target".padding(toLength: 16, withPad: " ", startingAt: 0) + "  p50 µs   p99 µs   calls/s (64 in flight, 4 conns)")
    for result in results {
        print(
            result.name.padding(toLength: 16, withPad: " ", startingAt: 0)
                + "  " + format(result.p50).padding(toLength: 7, withPad: " ", startingAt: 0)
                + "  " + format(result.p99).padding(toLength: 7, withPad: " ", startingAt: 0)
                + "  " + format(result.callsPerSecond, 0)
        )
    }
}
