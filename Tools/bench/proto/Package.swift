// swift-tools-version: 6.0
//
// Encode+decode of a realistic Migration with LoomProto (libprotobuf-c) next to
// swift-protobuf on the same message, in one run. Run by hand, in release mode:
//   cd Tools/bench/proto && swift run -c release ProtoBench [--candidates 1000] [--iterations 40] [--rounds 9]
import PackageDescription

let package = Package(
    name: "ProtoBench",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named so the product reference works whatever the checkout directory is called
        // (a path dependency's identity is otherwise its directory name).
        .package(name: "Loom", path: "../../.."),
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
    ],
    targets: [
        .executableTarget(
            name: "ProtoBench",
            dependencies: [
                .product(name: "LoomProto", package: "Loom"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        )
    ],
    swiftLanguageModes: [.v6]
)
