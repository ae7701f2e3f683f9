// Encode+decode of one Migration with LoomProto (libprotobuf-c) and with swift-protobuf,
// side by side in one process. Prints the median time per operation over several rounds
// and the ratio swift-protobuf / Loom (above 1 means Loom is faster).
import LoomProto
import SwiftProtobuf

func argument(_ name: String, default value: Int) -> Int {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let parsed = Int(arguments[index + 1]) else {
        return value
    }
    return parsed
}

let candidateCount = argument("--candidates", default: 1_000)
let iterations = argument("--iterations", default: 40)
let rounds = argument("--rounds", default: 9)

let loomMessage = makeMigration(candidates: candidateCount)
let swiftMessage = swiftProtobufMigration(loomMessage)
let loomBytes = loomMessage.encoded()
let swiftBytes: [UInt8] = try swiftMessage.serializedBytes()

// Both libraries read each other's bytes to the same message, so they do the same work.
let swiftReadsLoom = try Loom_V1_Migration(serializedBytes: loomBytes)
let loomReadsSwift = try Migration(decoding: swiftBytes, maxSize: .max)
precondition(swiftReadsLoom == swiftMessage, "swift-protobuf misreads Loom's bytes")
precondition(loomReadsSwift == loomMessage, "Loom misreads swift-protobuf's bytes")
precondition(loomBytes.count == swiftBytes.count, "encodings differ in size")

/// Runs `body` `iterations` times per round; returns the median per-call time in microseconds.
func measure(_ body: () throws -> Int) rethrows -> Double {
    var checksum = 0
    for _ in 0..<max(1, iterations / 4) { checksum &+= try body() }  // warm-up
    var perCall: [Double] = []
    let clock = ContinuousClock()
    for _ in 0..<rounds {
        let elapsed = try clock.measure {
            for _ in 0..<iterations { checksum &+= try body() }
        }
        let (seconds, attoseconds) = elapsed.components
        perCall.append((Double(seconds) * 1e6 + Double(attoseconds) / 1e12) / Double(iterations))
    }
    precondition(checksum != 42, "keeps the work observable")
    return perCall.sorted()[perCall.count / 2]
}

let loomEncode = measure { loomMessage.encoded().count }
let swiftEncode = try measure { (try swiftMessage.serializedBytes() as [UInt8]).count }
let loomDecode = try measure { try Migration(decoding: loomBytes, maxSize: .max).candidates.count }
let swiftDecode = try measure { try Loom_V1_Migration(serializedBytes: loomBytes).candidates.count }
let loomBoth = try measure { try Migration(decoding: loomMessage.encoded(), maxSize: .max).candidates.count }
let swiftBoth = try measure {
    try Loom_V1_Migration(serializedBytes: try swiftMessage.serializedBytes() as [UInt8]).candidates.count
}

func format(_ microseconds: Double) -> String {
    let value = (microseconds * 10).rounded() / 10
    return "\(value) µs".padding(toLength: 14)
}

func ratio(_ swift: Double, _ loom: Double) -> String {
    "\((swift / loom * 100).rounded() / 100)x"
}

print("Migration with \(candidateCount) candidates, \(loomBytes.count) bytes encoded; median of \(rounds) rounds × \(iterations) calls")
print("operation        LoomProto (protobuf-c)   swift-protobuf 1.39.0   swift-protobuf / Loom")
print("encode           \(format(loomEncode))           \(format(swiftEncode))          \(ratio(swiftEncode, loomEncode))")
print("decode           \(format(loomDecode))           \(format(swiftDecode))          \(ratio(swiftDecode, loomDecode))")
print("encode+decode    \(format(loomBoth))           \(format(swiftBoth))          \(ratio(swiftBoth, loomBoth))")

extension String {
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
