// swift-tools-version: 6.0
//
// Orchestrator throughput with the in-memory store and an instant in-process migrator:
// step transitions per second and the delay from an event to the next dispatch. It measures what
// ships: the server's callback-token signer issues and verifies every event's token, and the
// orchestrator and the Redis pool use loom-server's defaults (in-flight runs, connections).
// Run by hand, in release mode, on a quiet machine:
//   cd Tools/bench/orchestrator && swift run -c release OrchestratorBench [flow|waiting] [runs] [steps]
// With LOOM_BENCH_REDIS_URL=redis://127.0.0.1:PORT the Redis store is used instead of the
// in-memory one (start a dedicated, empty redis-server for it). Like loom-server, the bench
// runs Swift Concurrency on NIO's event loops; LOOM_BENCH_DISPATCH_EXECUTOR=1 keeps the
// default (Dispatch) global executor instead, for comparison.
import PackageDescription

let package = Package(
    name: "OrchestratorBench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Loom", path: "../../.."),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "OrchestratorBench",
            dependencies: [
                .product(name: "LoomCore", package: "Loom"),
                .product(name: "LoomStores", package: "Loom"),
                .product(name: "LoomRedis", package: "Loom"),
                .product(name: "LoomServer", package: "Loom"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        )
    ],
    swiftLanguageModes: [.v6]
)
