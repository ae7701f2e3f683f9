import NIOCore

/// The shape every target is measured with.
enum Workload {
    /// Request (and echoed response) size in bytes.
    static let payloadSize = 200
    static let latencyWarmup = 2_000
    static let latencyCalls = 20_000
    /// Latency calls are made in this many interleaved rounds (see `measureLatency`).
    static let latencyRounds = 5
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

/// A target under measurement: its server process and how to connect to it.
struct BenchTarget {
    let name: String
    let server: ServerProcess
    let connect: @Sendable () async throws -> any BenchConnection
}

/// Latency with one call in flight on one connection per target, measured in interleaved rounds: in each round every
/// target makes its share of the calls in turn, so a change in the machine's load during the run hits all targets
/// alike instead of skewing their ratio. Also the CPU time per call of this (client) process and of each server.
func measureLatency(_ targets: [BenchTarget]) async throws -> [BenchResult] {
    let request = ByteBuffer(bytes: Workload.payload)
    var connections: [any BenchConnection] = []
    for target in targets {
        let connection = try await target.connect()
        for _ in 0..<Workload.latencyWarmup { _ = try await connection.call(request) }
        connections.append(connection)
    }
    var samples = Array(repeating: LatencySamples(), count: targets.count)
    var clientCPU = Array(repeating: UInt64(0), count: targets.count)
    var serverCPU = Array(repeating: UInt64(0), count: targets.count)
    let callsPerRound = Workload.latencyCalls / Workload.latencyRounds
    for _ in 0..<Workload.latencyRounds {
        for (index, target) in targets.enumerated() {
            let connection = connections[index]
            let clientBefore = processCPUNanos(pid: nil)
            let serverBefore = processCPUNanos(pid: target.server.pid)
            for _ in 0..<callsPerRound {
                let start = nowNanos()
                let reply = try await connection.call(request)
                samples[index].add(nowNanos() - start)
                guard reply.readableBytes == Workload.payloadSize else {
                    throw BenchError("\(target.name): wrong reply size \(reply.readableBytes)")
                }
            }
            clientCPU[index] += processCPUNanos(pid: nil) - clientBefore
            serverCPU[index] += processCPUNanos(pid: target.server.pid) - serverBefore
        }
    }
    return targets.enumerated().map { index, target in
        var result = BenchResult(name: target.name)
        result.p50 = samples[index].percentile(0.5)
        result.p99 = samples[index].percentile(0.99)
        let calls = Double(callsPerRound * Workload.latencyRounds)
        result.clientCPUPerCall = Double(clientCPU[index]) / calls / 1000
        result.serverCPUPerCall = Double(serverCPU[index]) / calls / 1000
        return result
    }
}

/// Calls per second with 64 calls in flight over 4 connections.
func measureThroughput(_ target: BenchTarget) async throws -> Double {
    let request = ByteBuffer(bytes: Workload.payload)
    let connect = target.connect
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
    return Double(completed) / (Double(nowNanos() - start) / 1e9)
}
