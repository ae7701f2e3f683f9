import Foundation
import NIOCore
import NIOPosix

// RPCBench all            latency + throughput for echo floor, Loom and grpc-swift-2, then idle/handshake
// RPCBench targets        only latency + throughput
// RPCBench latency        only the 1-in-flight latency of the echo floor and Loom (quick iteration)
// RPCBench idle [N]       only handshake time + RSS with N idle connections (default 2000)
// RPCBench serve KIND DIR internal: a server process (KIND = loom | grpc | echo)
//
// Like loom-server (`--executor nio`, its default), both processes run Swift concurrency on NIO's event loops;
// LOOM_BENCH_EXECUTOR=global keeps Swift's default global executor instead (in the server processes too).

let arguments = CommandLine.arguments.dropFirst()
let command = arguments.first ?? "all"

let useNIOExecutor = ProcessInfo.processInfo.environment["LOOM_BENCH_EXECUTOR"] != "global"
if useNIOExecutor {
    guard NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() else {
        fatalError("cannot install NIO's event loops as Swift's global executor")
    }
}

switch command {
case "serve":
    let args = Array(arguments)
    guard args.count == 3 else { fatalError("usage: RPCBench serve KIND CERTDIR") }
    raiseFileLimit()
    exitWhenStdinCloses()
    let certs = Certificates(directory: args[2])
    let ready: @Sendable (Int) -> Void = { port in
        // Unbuffered: the parent waits for this line.
        FileHandle.standardOutput.write(Data("READY \(port)\n".utf8))
    }
    switch args[1] {
    case "loom": try await LoomTarget.serve(port: 0, certs: certs, ready: ready)
    case "grpc": try await GRPCTarget.serve(port: 0, certs: certs, ready: ready)
    case "echo": try await EchoTarget.serve(port: 0, certs: certs, ready: ready)
    default: fatalError("unknown server kind \(args[1])")
    }

case "latency":
    let certs = try Certificates.generate()
    print("1 call in flight, \(Workload.latencyCalls) calls in \(Workload.latencyRounds) interleaved rounds, executor: \(useNIOExecutor ? "NIO event loops" : "Swift global")")
    let targets = try makeTargets(["echo", "loom"], certs: certs)
    let results = try await measureLatency(targets)
    for target in targets { target.server.stop() }
    for result in results {
        print(
            "  \(result.name): p50 \(format(result.p50)) µs, p99 \(format(result.p99)) µs; CPU per call: client \(format(result.clientCPUPerCall)) µs, server \(format(result.serverCPUPerCall)) µs"
        )
    }
    print("LoomRPC p50 / echo floor p50       = \(format(results[1].p50 / results[0].p50, 2))×   (target ≤ 1.35×)")
    exit(0)

case "all", "targets", "idle":
    let certs = try Certificates.generate()
    if command != "idle" {
        print("executor: \(useNIOExecutor ? "NIO event loops (LOOM_BENCH_EXECUTOR=global for Swift's default)" : "Swift's global executor")")
        print("unary echo, \(Workload.payloadSize)-byte request and response, mTLS (TLS 1.3) on 127.0.0.1, server in its own process")
        print("latency: \(Workload.latencyCalls) sequential calls on one connection, in \(Workload.latencyRounds) rounds interleaved across targets; throughput: \(Workload.throughputInFlight) in flight over \(Workload.throughputConnections) connections for \(Int(Workload.throughputSeconds)) s")
        let targets = try makeTargets(["echo", "loom", "grpc"], certs: certs)
        var results = try await measureLatency(targets)
        for (index, target) in targets.enumerated() {
            results[index].callsPerSecond = try await measureThroughput(target)
            target.server.stop()
            let result = results[index]
            print(
                "  \(result.name): p50 \(format(result.p50)) µs, p99 \(format(result.p99)) µs, \(format(result.callsPerSecond, 0)) calls/s; CPU per call (1 in flight): client \(format(result.clientCPUPerCall)) µs, server \(format(result.serverCPUPerCall)) µs"
            )
        }
        printTable(results)
        let (echo, loom, grpc) = (results[0], results[1], results[2])
        print("")
        print("LoomRPC p50 / echo floor p50       = \(format(loom.p50 / echo.p50, 2))×   (target ≤ 1.35×)")
        print("LoomRPC p50 / grpc-swift-2 p50     = \(format(loom.p50 / grpc.p50, 2))×")
        print("LoomRPC calls/s / grpc-swift-2     = \(format(loom.callsPerSecond / grpc.callsPerSecond, 2))×   (target ≥ 10×)")
        print("LoomRPC calls/s / echo floor       = \(format(loom.callsPerSecond / echo.callsPerSecond, 2))×")
    }
    if command != "targets" {
        let count = command == "idle" ? Int(arguments.dropFirst().first ?? "") ?? 2000 : 2000
        try await IdleBench.run(connections: count, certs: certs)
    }
    exit(0)

default:
    print("usage: RPCBench [all | targets | latency | idle [N]]")
    exit(2)
}

/// Starts a server process per kind (echo | loom | grpc) and describes how to connect to each.
func makeTargets(_ kinds: [String], certs: Certificates) throws -> [BenchTarget] {
    try kinds.map { kind in
        let server = try ServerProcess(kind: kind, certs: certs)
        let port = server.port
        switch kind {
        case "echo": return BenchTarget(name: "echo floor (NIOSSL)", server: server) { try await EchoTarget.connect(port: port, certs: certs) }
        case "loom": return BenchTarget(name: "LoomRPC", server: server) { try LoomTarget.connect(port: port, certs: certs) }
        default: return BenchTarget(name: "grpc-swift-2", server: server) { try GRPCTarget.connect(port: port, certs: certs) }
        }
    }
}
