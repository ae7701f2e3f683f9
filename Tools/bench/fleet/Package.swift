// swift-tools-version: 6.0
//
// Fleet-scale figures against a real loom-server on a private redis-server (Tools/bench/fleet/run
// starts both and runs this): submitting 100,000 candidates over RPC, GetMigration with counts,
// ListCandidates/ListRuns pages with a status filter while 10,000 runs progress, and the server's RSS.
// Run by hand, in release mode, on a quiet machine.
import PackageDescription

let package = Package(
    name: "FleetBench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Loom", path: "../../.."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "FleetBench",
            dependencies: [
                .product(name: "LoomRPC", package: "Loom"),
                .product(name: "LoomAPI", package: "Loom"),
                .product(name: "LoomProto", package: "Loom"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        )
    ],
    swiftLanguageModes: [.v6]
)
