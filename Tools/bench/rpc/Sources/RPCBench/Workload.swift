import NIOCore

/// The shape every target is measured with.
enum Workload {
    /// Request (and echoed response) size in bytes.
    static let payloadSize = 200
    static let latencyWarmup = 2_000
    static let latencyCalls = 20_000
    static let throughputConnections = 4
    static let throughputInFlight = 64
    static let throughputWarmupSeconds = 1.0
    static let throughputSeconds = 5.0

    static let payload: [UInt8] = (0..<payloadSize).map { UInt8(truncatingIfNeeded: $0 &* 7) }
}

/// One client implementation: a connection that can make a unary "echo" call.
protocol BenchConnection: Sendable {
    func call(_ payload: ByteBuffer) async throws -> ByteBuffer
}

/// Runs the two measurements against connections made by `connect`.
func measure(
    name: String,
    throughput: Bool = true,
    serverPID: Int32? = nil,
    connect: @Sendable () async throws -> any BenchConnection
) async throws -> BenchResult {
    var result = BenchResult(name: name)
    let request = ByteBuffer(bytes: Workload.payload)

    // 1. Latency: one call in flight on one connection.
    let single = try await connect()
    for _ in 0..<Workload.latencyWarmup { _ = try await single.call(request) }
    var samples = LatencySamples()
    samples.nanos.reserveCapacity(Workload.latencyCalls)
    let clientCPUBefore = processCPUNanos(pid: nil)
    let serverCPUBefore = serverPID.map { processCPUNanos(pid: $0) }
    for _ in 0..<Workload.latencyCalls {
        let start = nowNanos()
        let reply = try await single.call(request)
        samples.add(nowNanos() - start)
        guard reply.readableBytes == Workload.payloadSize else { throw BenchError("\(name): wrong reply size \(reply.readableBytes)") }
    }
    result.p50 = samples.percentile(0.5)
    result.p99 = samples.percentile(0.99)
    result.clientCPUPerCall = Double(processCPUNanos(pid: nil) - clientCPUBefore) / Double(Workload.latencyCalls) / 1000
    if let serverPID, let serverCPUBefore {
        result.serverCPUPerCall = Double(processCPUNanos(pid: serverPID) - serverCPUBefore) / Double(Workload.latencyCalls) / 1000
    }
    guard throughput else { return result }

    // 2. Throughput: 64 calls in flight over 4 connections.
    var connections: [any BenchConnection] = []
    for _ in 0..<Workload.throughputConnections { connections.append(try await connect()) }
    let pool = connections
    func run(seconds: Double) async throws -> Int {
        let deadline = nowNanos() + UInt64(seconds * 1e9)
        return try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<Workload.throughputInFlight {
                let connection = pool[worker % pool.count]
                group.addTask {
                    var count = 0
                    while nowNanos() < deadline {
                        _ = try await connection.call(request)
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
    }
    _ = try await run(seconds: Workload.throughputWarmupSeconds)
    let start = nowNanos()
    let completed = try await run(seconds: Workload.throughputSeconds)
    result.callsPerSecond = Double(completed) / (Double(nowNanos() - start) / 1e9)
    return result
}
