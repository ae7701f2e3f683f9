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
    /// CPU time (user + system) per call during the latency run, in µs, of this (client) process and the server.
    var clientCPUPerCall: Double = .nan
    var serverCPUPerCall: Double = .nan
}

/// User + system CPU time of a process (`nil`: this one) from /proc/PID/stat, in nanoseconds (10 ms ticks).
func processCPUNanos(pid: Int32?) -> UInt64 {
    let path = pid.map { "/proc/\($0)/stat" } ?? "/proc/self/stat"
    guard let stat = try? String(contentsOfFile: path, encoding: .utf8), let close = stat.lastIndex(of: ")") else { return 0 }
    // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let user = UInt64(fields[11]), let system = UInt64(fields[12]) else { return 0 }
    let ticksPerSecond = UInt64(sysconf(Int32(_SC_CLK_TCK)))
    return (user + system) * 1_000_000_000 / ticksPerSecond
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
