// Measures LoomRedis GET/SET throughput on one connection, unpipelined and 16-deep
// pipelined, next to redis-benchmark (`-c 1`, and `-c 1 -P 16`) against the same private
// redis-server, and prints the ratios. Targets: >= 0.8x unpipelined, >= 0.6x pipelined.
import Foundation
import LoomRedis
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

struct Options {
    var requests = 200_000
    var depth = 16
    var redisServer = "/usr/bin/redis-server"
    var redisBenchmark = "/usr/bin/redis-benchmark"
    /// Which callers to measure: "task", "loop" or both.
    var callers: [Bool] = [false, true]
    /// Which modes to measure: unpipelined (1), pipelined (depth) or both.
    var modes: Set<String> = ["unpipelined", "pipelined"]
    /// Skip redis-benchmark (for profiling our side alone).
    var reference = true
    /// Run Swift concurrency on NIO's event loops, as loom-server does by default
    /// (`--dispatch-executor` keeps Swift's default pool, like `loom-server --executor dispatch`).
    var nioExecutor = true
    /// Interleaved rounds; medians are reported.
    var rounds = 3

    init(arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--requests": requests = Int(iterator.next() ?? "") ?? requests
            case "--depth": depth = Int(iterator.next() ?? "") ?? depth
            case "--caller":
                switch iterator.next() {
                case "task": callers = [false]
                case "loop": callers = [true]
                default: callers = [false, true]
                }
            case "--mode":
                let mode = iterator.next() ?? ""
                modes = mode == "all" ? ["unpipelined", "pipelined"] : [mode]
            case "--no-reference": reference = false
            case "--dispatch-executor": nioExecutor = false
            case "--rounds": rounds = max(1, Int(iterator.next() ?? "") ?? rounds)
            default:
                FileHandle.standardError.write(
                    "usage: RedisBench [--requests N] [--depth D] [--caller task|loop|both] [--mode unpipelined|pipelined|all] [--no-reference] [--dispatch-executor] [--rounds R]\n"
                        .data(using: .utf8)!)
                exit(2)
            }
        }
    }
}

/// A private redis-server on a free loopback port, no persistence.
final class Server {
    let process = Process()
    let port: Int
    let directory: URL

    init(executable: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("loom-redis-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = Int.random(in: 20_000...40_000)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.path,
            "--logfile", directory.appendingPathComponent("redis.log").path,
        ]
        try process.run()
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }
}

func opsPerSecond(_ count: Int, _ duration: Duration) -> Double {
    let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    return Double(count) / seconds
}

/// Runs redis-benchmark and returns requests/s for SET and GET.
func redisBenchmark(_ options: Options, port: Int, pipeline: Int) throws -> (set: Double, get: Double) {
    let process = Process()
    let pipe = Pipe()
    process.executableURL = URL(fileURLWithPath: options.redisBenchmark)
    process.arguments = [
        "-h", "127.0.0.1", "-p", String(port), "-c", "1", "-n", String(options.requests), "-P", String(pipeline),
        "-t", "set,get", "-d", "16", "-r", "10000", "--csv",
    ]
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    var set = 0.0
    var get = 0.0
    for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
        let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        guard fields.count >= 2, let value = Double(fields[1]) else { continue }
        if fields[0] == "SET" { set = value }
        if fields[0] == "GET" { get = value }
    }
    return (set, get)
}

/// Runs the measured loop isolated to the connection's event loop: `send` and `pipeline`
/// are `nonisolated(nonsending)`, so caller, write and reply share one thread.
actor EventLoopRunner {
    let loop: any EventLoop
    init(loop: any EventLoop) { self.loop = loop }
    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor.asUnownedSerialExecutor() }

    func run(_ options: Options, connection: RedisConnection, pipeline: Int) async throws -> (set: Double, get: Double) {
        try await runLoom(options, connection: connection, pipeline: pipeline)
    }
}

func loomBenchmark(_ options: Options, port: Int, pipeline: Int, onEventLoop: Bool) async throws -> (set: Double, get: Double) {
    var configuration = RedisConfiguration(endpoint: .tcp(host: "127.0.0.1", port: port))
    configuration.commandTimeout = .seconds(30)
    let connection = try await RedisConnection.connect(to: configuration)
    defer { Task { await connection.close() } }
    if onEventLoop {
        return try await EventLoopRunner(loop: connection.eventLoop).run(options, connection: connection, pipeline: pipeline)
    }
    return try await runLoom(options, connection: connection, pipeline: pipeline)
}

/// The measured loop: one task awaiting each command (or each 16-command batch) in turn.
nonisolated(nonsending)
func runLoom(_ options: Options, connection: RedisConnection, pipeline: Int) async throws -> (set: Double, get: Double) {
    let value = RESPArgument.bytes(ByteBuffer(repeating: UInt8(ascii: "x"), count: 16))
    let keys = (0..<10_000).map { "key:\($0)" }
    let batches = options.requests / pipeline
    let total = batches * pipeline

    nonisolated(nonsending) func run(_ makeCommand: (Int) -> RedisCommand) async throws -> Double {
        let start = ContinuousClock.now
        if pipeline == 1 {
            for i in 0..<total { _ = try await connection.send(makeCommand(i)) }
        } else {
            var commands: [RedisCommand] = []
            commands.reserveCapacity(pipeline)
            for batch in 0..<batches {
                commands.removeAll(keepingCapacity: true)
                for j in 0..<pipeline { commands.append(makeCommand(batch * pipeline + j)) }
                _ = try await connection.pipeline(commands)
            }
        }
        return opsPerSecond(total, ContinuousClock.now - start)
    }
    // Warm up the connection and the code paths.
    for i in 0..<1000 { _ = try await connection.send(RedisCommand("SET", .string(keys[i % keys.count]), value)) }
    let set = try await run { RedisCommand("SET", .string(keys[$0 % keys.count]), value) }
    let get = try await run { RedisCommand("GET", .string(keys[$0 % keys.count])) }
    return (set, get)
}

let options = Options(arguments: CommandLine.arguments)
if options.nioExecutor {
    guard NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() else {
        fatalError("cannot install NIO as the global executor")
    }
}
let server = try Server(executable: options.redisServer)
defer { server.stop() }
// Wait for the server (bounded).
var ready = false
for _ in 0..<500 where !ready {
    if (try? await RedisConnection.connect(to: RedisConfiguration(endpoint: .tcp(host: "127.0.0.1", port: server.port)))) != nil {
        ready = true
    } else {
        try await Task.sleep(for: .milliseconds(10))
    }
}
guard ready else { fatalError("redis-server did not start") }

print("LoomRedis vs redis-benchmark: \(options.requests) requests per test, 16-byte values, 1 connection, 127.0.0.1:\(server.port)")
print("caller 'task': a task on the global executor; 'loop': an actor on the connection's event loop")
print("Swift concurrency runs on \(options.nioExecutor ? "NIO's event loops (as loom-server)" : "Swift's default pool (--dispatch-executor)")")
print("each figure is the median of \(options.rounds) rounds; every round runs redis-benchmark, then LoomRedis, back to back")
print("mode            caller cmd   loom ops/s   redis-benchmark ops/s   ratio   target")

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}

var allMet = true
for (mode, label, depth, target) in [
    ("unpipelined", "unpipelined", 1, 0.8), ("pipelined", "pipelined \(options.depth)", options.depth, 0.6),
] where options.modes.contains(mode) {
    // Interleaved rounds: the machine's speed drifts (a shared VM), so each side is measured
    // in every round and the medians are compared.
    var theirs: [String: [Double]] = [:]
    var ours: [String: [Double]] = [:]
    for _ in 0..<options.rounds {
        if options.reference {
            let reference = try redisBenchmark(options, port: server.port, pipeline: depth)
            theirs["SET", default: []].append(reference.set)
            theirs["GET", default: []].append(reference.get)
        }
        for onEventLoop in options.callers {
            let loom = try await loomBenchmark(options, port: server.port, pipeline: depth, onEventLoop: onEventLoop)
            ours["\(onEventLoop) SET", default: []].append(loom.set)
            ours["\(onEventLoop) GET", default: []].append(loom.get)
        }
    }
    for onEventLoop in options.callers {
        for cmd in ["SET", "GET"] {
            let mine = median(ours["\(onEventLoop) \(cmd)"] ?? [])
            let reference = median(theirs[cmd] ?? [])
            let ratio = mine / reference
            allMet = allMet && ratio >= target
            print(
                label.padding(toLength: 16, withPad: " ", startingAt: 0) + (onEventLoop ? "loop   " : "task   ")
                    + cmd.padding(toLength: 6, withPad: " ", startingAt: 0)
                    + String(format: "%10.0f   %21.0f   %5.2fx   >= %.1fx %@", mine, reference, ratio, target, ratio >= target ? "ok" : "MISSED"))
        }
    }
}
print(allMet ? "all targets met" : "some targets missed")
var usage = rusage()
_ = getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
print(String(
    format: "LoomRedis process CPU (without redis-server): %.2f s user, %.2f s sys",
    Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6, Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6))
