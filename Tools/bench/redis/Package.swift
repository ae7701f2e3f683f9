// swift-tools-version: 6.0
//
// GET/SET throughput of LoomRedis next to redis-benchmark against the same private
// redis-server. Run by hand, in release mode:
//   cd Tools/bench/redis && swift run -c release RedisBench [--requests N]
import PackageDescription

let package = Package(
    name: "RedisBench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Loom", path: "../../.."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "RedisBench",
            dependencies: [
                .product(name: "LoomRedis", package: "Loom"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        )
    ],
    swiftLanguageModes: [.v6]
)
