// swift-tools-version: 6.0
//
// libFuzzer targets for Loom's parsers and connection handlers (docs/fuzzing.md). Built and run by Tools/fuzz
// (`Tools/fuzz rpc-frame 60`, `Tools/fuzz all 30`), never by the main build: the entry points link only with
// `--sanitize fuzzer`.
//
// Each target is one executable: `Entry.swift` (libFuzzer's entry point) and its harness, a symlink to a file of
// a test target (Tests/<Module>Tests/Fuzzing/), where the unit tests replay the committed corpus and regression
// inputs with the same code. Harnesses use `@testable import`, so the build passes `-enable-testing`.
import PackageDescription

let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioEmbedded = Target.Dependency.product(name: "NIOEmbedded", package: "swift-nio")
let nioHTTP1 = Target.Dependency.product(name: "NIOHTTP1", package: "swift-nio")
let nioConcurrencyHelpers = Target.Dependency.product(name: "NIOConcurrencyHelpers", package: "swift-nio")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let prometheus = Target.Dependency.product(name: "Prometheus", package: "swift-prometheus")

func loom(_ product: String) -> Target.Dependency { .product(name: product, package: "Loom") }

/// One fuzz target: `Sources/<name>/` holds `Entry.swift` and the harness symlink.
func fuzzTarget(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: dependencies, swiftSettings: [.enableUpcomingFeature("ExistentialAny")])
}

let package = Package(
    name: "LoomFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Loom", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        fuzzTarget("FuzzRPCFrame", [loom("LoomRPC"), nioCore]),
        fuzzTarget("FuzzRPCServer", [loom("LoomRPC"), loom("LoomAPI"), loom("LoomProto"), nioCore, nioEmbedded, logging]),
        fuzzTarget("FuzzProtoDecode", [loom("LoomProto")]),
        fuzzTarget("FuzzRESPDecoder", [loom("LoomRedis"), nioCore]),
        fuzzTarget("FuzzShimHTTP", [
            loom("LoomHTTP"), loom("LoomMigratorKit"), loom("LoomCore"), nioCore, nioEmbedded, nioHTTP1, nioConcurrencyHelpers, logging, prometheus,
        ]),
        fuzzTarget("FuzzShimJSON", [loom("LoomHTTP"), loom("LoomMigratorKit")]),
    ],
    swiftLanguageModes: [.v6]
)
