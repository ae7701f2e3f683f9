// swift-tools-version: 6.0
//
// Unary-call latency and throughput of LoomRPC over mTLS, side by side with grpc-swift-2
// (HTTP/2 + NIOSSL) serving an equivalent raw-bytes method, and a bare length-prefixed TLS
// echo on SwiftNIO (NIOSSL) as the floor. Also: RSS of a server holding idle mTLS connections
// and the time to open a new mTLS connection. Client and server run as separate processes.
// Run by hand, in release mode, on a quiet machine:
//   cd Tools/bench/rpc && swift run -c release RPCBench all
import PackageDescription

let package = Package(
    name: "RPCBench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Loom", path: "../../.."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", exact: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", exact: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", exact: "2.9.2"),
    ],
    targets: [
        .executableTarget(
            name: "RPCBench",
            dependencies: [
                .product(name: "LoomRPC", package: "Loom"),
                .product(name: "LoomTLS", package: "Loom"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        )
    ],
    swiftLanguageModes: [.v6]
)
