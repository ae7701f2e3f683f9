/// The verdict of one conformance check of `loomctl migrator check`.
public enum ConformanceStatus: String, Sendable, Hashable, Codable {
    /// The migrator did what the contract asks.
    case pass
    /// The migrator broke the contract: Loom would misbehave with it.
    case fail
    /// Allowed but worth knowing (an optional endpoint missing, a field Loom would like).
    case warn
    /// Not checked, because an earlier check it depends on failed.
    case skip
}

/// One row of the checker's table.
public struct ConformanceResult: Sendable, Hashable, Codable {
    /// The check's short name (`callback token`).
    public var name: String
    /// Its verdict.
    public var status: ConformanceStatus
    /// What was seen; on failure, why (never a secret).
    public var detail: String

    /// Creates a result.
    public init(_ name: String, _ status: ConformanceStatus, _ detail: String) {
        self.name = name
        self.status = status
        self.detail = detail
    }
}

/// Every check of one run of the checker, in the order they ran.
public struct ConformanceReport: Sendable, Hashable, Codable {
    /// The migrator's base URL the checks were made against (absent when none was known).
    public var migratorUrl: String?
    /// The rows.
    public var checks: [ConformanceResult]

    /// Creates a report.
    public init(migratorUrl: String?, checks: [ConformanceResult]) {
        self.migratorUrl = migratorUrl
        self.checks = checks
    }

    /// Whether no check failed (warnings and skips do not fail a migrator; a skip always follows a failure).
    public var passed: Bool { !checks.contains { $0.status == .fail } }

    /// The first row named `name`.
    public func result(named name: String) -> ConformanceResult? {
        checks.first { $0.name == name }
    }

    /// The table and a summary line.
    public func render(palette: Palette) -> [String] {
        var table = TextTable(headers: ["CHECK", "RESULT", "DETAIL"])
        for check in checks {
            let status: String
            switch check.status {
            case .pass: status = palette.green("pass")
            case .fail: status = palette.red("FAIL")
            case .warn: status = palette.yellow("warn")
            case .skip: status = "skip"
            }
            table.append([check.name, status, check.detail])
        }
        func count(_ status: ConformanceStatus) -> Int { checks.filter { $0.status == status }.count }
        let warnings = count(.warn) == 1 ? "1 warning" : "\(count(.warn)) warnings"
        let summary = passed
            ? palette.green("PASSED") + ": \(count(.pass)) checks passed, \(warnings)"
            : palette.red("FAILED") + ": \(count(.fail)) of \(checks.count) checks failed, \(count(.skip)) skipped"
        return table.render(palette: palette) + ["", summary]
    }

    /// The report as sorted-key JSON: `{"migratorUrl", "passed", "checks": [{"name", "status", "detail"}]}`.
    public func json() -> String {
        struct Output: Encodable {
            var migratorUrl: String?
            var passed: Bool
            var checks: [ConformanceResult]
        }
        return JSONOutput.encode(Output(migratorUrl: migratorUrl, passed: passed, checks: checks))
    }
}
