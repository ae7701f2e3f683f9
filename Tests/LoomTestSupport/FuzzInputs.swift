import Foundation

/// The committed inputs of the fuzz targets under `Fuzz/` (see docs/fuzzing.md): each target's seed corpus
/// (`Fuzz/Corpus/<target>/`) and the inputs that once crashed it (`Fuzz/Regressions/<target>/`).
///
/// The unit tests replay them through the same harness the fuzzer runs, so CI catches a regression without a
/// fuzzer build, and check that the seeds generated from the tests' fixtures are the ones committed.
public enum FuzzInputs {
    /// `Fuzz/` in this repository (found from this source file's location).
    public static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // LoomTestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    /// Set to `1` to (re)write the seed corpus from the fixtures instead of checking it.
    public static let writeSeedsVariable = "LOOM_FUZZ_WRITE_SEEDS"

    /// The committed inputs of `target`, as paths under `Fuzz/` (`Corpus/rpc-frame/seed-ping`,
    /// `Regressions/rpc-frame/crash-1a2b…`), seeds first, each group sorted; empty when there are none.
    /// Not throwing, so that it can feed a parameterized test; a test checks the seed count.
    public static func names(target: String) -> [String] {
        fileNames(in: "Corpus/\(target)") + fileNames(in: "Regressions/\(target)")
    }

    /// The bytes of the input at `name` (a path under `Fuzz/`, from ``names(target:)``).
    public static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// Runs the input at `name` (from ``names(target:)``) once through `harness`, the code the target's fuzzer runs.
    public static func replay(_ name: String, through harness: (UnsafeRawBufferPointer) -> Void) throws {
        try bytes(name).withUnsafeBytes(harness)
    }

    /// What is wrong with the committed inputs of each target, given the seeds generated from the tests' fixtures:
    /// ``seedDifferences(_:target:)``, and a target with fewer inputs than seeds (its replay test would run short);
    /// each problem on a line, ending with ``regenerateHint``. `nil` when there is none.
    public static func seedProblems(_ targets: [(target: String, seeds: [(name: String, bytes: [UInt8])])]) throws -> String? {
        var problems: [String] = []
        for (target, seeds) in targets {
            problems += try seedDifferences(seeds, target: target)
            let found = names(target: target).count
            if found < seeds.count {
                problems.append("Fuzz/Corpus/\(target): \(found) inputs found for \(seeds.count) seeds (looked in \(directory.path))")
            }
        }
        return problems.isEmpty ? nil : (problems + [regenerateHint]).joined(separator: "\n")
    }

    /// Compares the seed files of `target` (`Fuzz/Corpus/<target>/seed-*`) with `seeds` (name → bytes, generated
    /// from the tests' fixtures) and returns what differs: missing, changed and stale files. With
    /// `LOOM_FUZZ_WRITE_SEEDS=1` it writes the seeds (and removes stale ones) instead and returns nothing.
    /// Files not named `seed-*` (inputs a developer added by hand) are left alone.
    public static func seedDifferences(_ seeds: [(name: String, bytes: [UInt8])], target: String) throws -> [String] {
        let folder = directory.appendingPathComponent("Corpus/\(target)")
        let expected = Dictionary(seeds.map { ("seed-\($0.name)", $0.bytes) }, uniquingKeysWith: { first, _ in first })
        precondition(expected.count == seeds.count, "two seeds of \(target) have the same name")
        var presentByName: [String: [UInt8]] = [:]
        for name in fileNames(in: "Corpus/\(target)") where name.hasPrefix("Corpus/\(target)/seed-") {
            presentByName[String(name.dropFirst("Corpus/\(target)/".count))] = try bytes(name)
        }
        if ProcessInfo.processInfo.environment[writeSeedsVariable] == "1" {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for name in presentByName.keys where expected[name] == nil {
                try FileManager.default.removeItem(at: folder.appendingPathComponent(name))
            }
            for (name, bytes) in expected where presentByName[name] != bytes {
                try Data(bytes).write(to: folder.appendingPathComponent(name))
            }
            return []
        }
        var differences: [String] = []
        for name in expected.keys.sorted() {
            if presentByName[name] == nil {
                differences.append("Fuzz/Corpus/\(target)/\(name) is missing")
            } else if presentByName[name] != expected[name] {
                differences.append("Fuzz/Corpus/\(target)/\(name) differs from its fixture")
            }
        }
        for name in presentByName.keys.sorted() where expected[name] == nil {
            differences.append("Fuzz/Corpus/\(target)/\(name) is no longer generated")
        }
        return differences
    }

    /// The hint to print next to ``seedDifferences(_:target:)``.
    public static let regenerateHint =
        "regenerate with: \(writeSeedsVariable)=1 swift test --filter FuzzTargetTests"

    private static func fileNames(in relativePath: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent(relativePath).path)) ?? []
        return names.filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().map { "\(relativePath)/\($0)" }
    }
}
