import Foundation
import Logging
import LoomMigratorKit
import Testing

@testable import LoomCLI

/// `loomctl migrator check` against in-process migrators: a correct one passes; each deliberately broken
/// one fails with the expected row and reason.
@Suite("loomctl migrator check", .timeLimit(.minutes(1)))
struct MigratorCheckTests {
    typealias Check = ConformanceChecker.Check
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// Starts a shim and a migrator with `flaws`, announces (with `token`), and runs the checker.
    private func check(
        _ flaws: ConformanceTestMigrator.Flaws = [], token: String? = "migrator-token",
        configure: (inout ConformanceChecker.Options) -> Void = { _ in }
    ) async throws -> (report: ConformanceReport, migrator: ConformanceTestMigrator) {
        let shim = try await FakeLoomShim.start(host: "127.0.0.1", port: 0, publicURL: nil, announceToken: "migrator-token", logger: Self.logger)
        let migrator = try await ConformanceTestMigrator.start(flaws)
        var options = ConformanceChecker.Options()
        options.duplicateGrace = .milliseconds(200)
        options.callbackTimeout = .seconds(20)
        options.requestTimeout = .seconds(5)
        configure(&options)
        let announced = try await migrator.announce(to: shim.publicURL, token: token)
        #expect(announced == (token == "migrator-token" ? 200 : 401))
        let checker = ConformanceChecker(shim: shim, client: JSONHTTPClient(logger: Self.logger), options: options)
        let report = await checker.run(announcement: .shim(timeout: .seconds(5)), migratorURL: nil)
        await migrator.stop()
        await shim.close()
        return (report, migrator)
    }

    private func row(_ report: ConformanceReport, _ name: String) throws -> ConformanceResult {
        try #require(report.result(named: name), "no row \(name) in \(report.checks.map(\.name))")
    }

    @Test("a correct migrator passes every check, and its dispatch ran once")
    func goodMigrator() async throws {
        let (report, migrator) = try await check()
        #expect(report.passed)
        for check in report.checks {
            #expect(check.status == .pass, "\(check.name): \(check.status) \(check.detail)")
        }
        #expect(report.checks.map(\.name) == [
            Check.announce, Check.credentials, Check.candidates, Check.dispatch, Check.callback, Check.callbackToken,
            Check.callbackEvent, Check.resentDispatch, Check.deduplication, Check.stepStatus, Check.stepStatusUnknown,
            Check.dryRun, Check.invalidJSON, Check.missingFields, Check.invalidDryRun, Check.wrongMethod, Check.stillAnswering,
        ])
        #expect(migrator.executions.withLockedValue { $0 } == 1)
        #expect(try row(report, Check.callbackEvent).detail == "success, phase \"open\"")
        #expect(try row(report, Check.wrongMethod).detail.hasPrefix("405"))
    }

    @Test("a callback with another token than the dispatch's fails the token row")
    func wrongToken() async throws {
        let (report, _) = try await check(.wrongToken)
        #expect(!report.passed)
        #expect(try row(report, Check.callback).status == .pass)
        let token = try row(report, Check.callbackToken)
        #expect(token.status == .fail)
        #expect(token.detail == "the Authorization: Bearer token is not the dispatch's callbackToken (Loom answers 401)")
        #expect(report.checks.filter { $0.status == .fail }.map(\.name) == [Check.callbackToken])
    }

    @Test("no callback within --callback-timeout fails the callback row and skips what needs the event")
    func noCallback() async throws {
        let (report, _) = try await check(.noCallback) { $0.callbackTimeout = .milliseconds(300) }
        let callback = try row(report, Check.callback)
        #expect(callback.status == .fail)
        #expect(callback.detail.hasPrefix("no event at http://127.0.0.1:"))
        #expect(callback.detail.hasSuffix("/event/conformance-test__acme%2Fapi within 0.30 s of the dispatch"))
        #expect(try row(report, Check.callbackToken).status == .skip)
        #expect(try row(report, Check.deduplication).status == .skip)
        // The migrator answers the event it never sent: how Loom would learn the outcome of a lost callback.
        #expect(try row(report, Check.stepStatus).detail == "200: success, phase \"open\", which no callback carried (Loom would apply it)")
        #expect(report.checks.filter { $0.status == .fail }.map(\.name) == [Check.callback])
    }

    @Test("a dry-run answer that is not a DryRunResult fails the dry-run rows with the missing field")
    func wrongDryRunShape() async throws {
        let (report, _) = try await check(.wrongDryRunShape)
        let dryRun = try row(report, Check.dryRun)
        #expect(dryRun.status == .fail)
        #expect(dryRun.detail == "not a DryRunResult: missing required field \"steps\"")
        #expect(report.checks.filter { $0.status == .fail }.map(\.name) == [Check.dryRun, Check.stillAnswering])
    }

    @Test("a migrator that executes a re-sent dispatch again fails deduplication (detected as the event arrives)")
    func executesTwice() async throws {
        let (report, migrator) = try await check(.executesTwice) { $0.duplicateGrace = .seconds(20) }
        let dedup = try row(report, Check.deduplication)
        #expect(dedup.status == .fail)
        #expect(dedup.detail.hasPrefix("the re-sent dispatch ran again: a second success, phase \"open\" event came"))
        #expect(try row(report, Check.resentDispatch).status == .pass)
        #expect(migrator.executions.withLockedValue { $0 } == 2)
        #expect(report.checks.filter { $0.status == .fail }.map(\.name) == [Check.deduplication])
    }

    @Test("without /step-status the migrator passes with a warning")
    func noStepStatus() async throws {
        let (report, _) = try await check(.noStepStatus)
        #expect(report.passed)
        let status = try row(report, Check.stepStatus)
        #expect(status.status == .warn)
        #expect(status.detail.hasPrefix("not implemented (404)"))
        #expect(try row(report, Check.stepStatusUnknown).status == .skip)
        #expect(report.render(palette: .plain).last == "PASSED: 15 checks passed, 1 warning")
    }

    @Test("a /step-status answer no callback carried fails the step-status row")
    func statusLies() async throws {
        let (report, _) = try await check(.statusLies) { $0.requestTimeout = .milliseconds(500) }
        let status = try row(report, Check.stepStatus)
        #expect(status.status == .fail)
        #expect(status.detail == "200 with success, phase \"merged\", which no callback carried")
        #expect(report.checks.filter { $0.status == .fail }.map(\.name) == [Check.stepStatus])
    }

    @Test("--step picks the dispatched step; a step not announced fails the dispatch row")
    func stepOption() async throws {
        let (review, _) = try await check { $0.stepName = "review" }
        #expect(review.passed)
        #expect(try row(review, Check.dispatch).detail == "202 for step \"review\" of \"acme/api\"")
        let (unknown, _) = try await check { $0.stepName = "nope" }
        #expect(try row(unknown, Check.dispatch) == ConformanceResult(Check.dispatch, .fail, "step \"nope\" is not announced for the candidate"))
        #expect(unknown.checks.drop { $0.name != Check.callback }.allSatisfy { $0.status == .skip })
    }

    @Test("a migrator that accepts a body that is not JSON fails the malformed-request rows")
    func acceptsGarbage() async throws {
        let (report, _) = try await check(.acceptsGarbage)
        let invalid = try row(report, Check.invalidJSON)
        #expect(invalid.status == .fail)
        #expect(invalid.detail.hasPrefix("POST /dispatch-step with a body that is not JSON answered 202"))
        #expect(invalid.detail.hasSuffix("expected 4xx"))
        #expect(report.checks.filter { $0.status == .fail }.map(\.name) == [Check.invalidJSON, Check.missingFields])
    }

    @Test("an announce without the required bearer credential fails the credentials row (the shim answers 401)")
    func announceWithoutToken() async throws {
        let (report, _) = try await check(token: nil)
        let credentials = try row(report, Check.credentials)
        #expect(credentials.status == .fail)
        #expect(credentials.detail == "no Authorization: Bearer header")
        #expect(report.checks.dropFirst(2).allSatisfy { $0 == ConformanceResult($0.name, .skip, "the announce was refused (401)") })
        #expect(report.checks.count == 17)
    }

    @Test("an announcement without steps fails the announce row and skips the rest")
    func invalidAnnouncement() async throws {
        let shim = try await FakeLoomShim.start(host: "127.0.0.1", port: 0, publicURL: nil, announceToken: nil, logger: Self.logger)
        let client = JSONHTTPClient(logger: Self.logger)
        let body = #"{"id": "m", "name": "M", "migratorUrl": "http://127.0.0.1:1", "steps": []}"#
        let answer = try await client.post("\(shim.publicURL)/registry/announce", body: Array(body.utf8), timeout: .seconds(5))
        #expect(answer.status == 400)
        let report = await ConformanceChecker(shim: shim, client: client, options: .init())
            .run(announcement: .shim(timeout: .seconds(5)), migratorURL: nil)
        await shim.close()
        #expect(report.checks.first == ConformanceResult(Check.announce, .fail, "steps is empty: a migration needs at least one step"))
        #expect(report.checks.dropFirst().allSatisfy { $0.status == .skip })
        #expect(!report.passed)
    }

    @Test("no announce within --announce-timeout fails the announce row")
    func noAnnounce() async throws {
        let shim = try await FakeLoomShim.start(host: "127.0.0.1", port: 0, publicURL: nil, announceToken: nil, logger: Self.logger)
        let report = await ConformanceChecker(shim: shim, client: JSONHTTPClient(logger: Self.logger), options: .init())
            .run(announcement: .shim(timeout: .milliseconds(100)), migratorURL: nil)
        await shim.close()
        #expect(report.checks.first?.detail == "no POST /registry/announce at \(shim.publicURL) within 0.10 s")
    }

    // MARK: The command

    private func loomctl(_ arguments: [String]) async -> (code: Int32, output: String, error: String) {
        let capture = CapturedConsole()
        let code = await Loomctl.run(arguments: arguments, environment: [:], console: capture.console())
        return (code, capture.output, capture.error)
    }

    private func announcementFile(_ migrator: ConformanceTestMigrator) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("announce-\(UInt32.random(in: 0...UInt32.max)).json").path
        try Data(JSONCoding.encode(migrator.announcement())).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("loomctl migrator check --announcement FILE --json: exit 0 and passed for a correct migrator")
    func commandPasses() async throws {
        let migrator = try await ConformanceTestMigrator.start()
        let file = try announcementFile(migrator)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let url = migrator.url
        let result = await loomctl(["migrator", "check", "--announcement", file, "--grace", "0.1", "--json"])
        await migrator.stop()
        #expect(result.code == 0, "\(result.output)\(result.error)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(object["passed"] as? Bool == true)
        #expect(object["migratorUrl"] as? String == url)
        #expect((object["checks"] as? [[String: Any]])?.count == 16)
        #expect(result.error.hasPrefix("loomctl: shim listening on http://127.0.0.1:"))
    }

    @Test("loomctl migrator check: exit 24 and a FAIL row in the table for a broken migrator")
    func commandFails() async throws {
        let migrator = try await ConformanceTestMigrator.start(.wrongDryRunShape)
        let file = try announcementFile(migrator)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = await loomctl(["migrator", "check", migrator.url, "--announcement", file, "--grace", "0.1"])
        await migrator.stop()
        #expect(result.code == MigratorCheckCommand.failedExitCode)
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "CHECK                     RESULT  DETAIL")
        #expect(lines.contains("dry run                   FAIL    not a DryRunResult: missing required field \"steps\""))
        #expect(lines.last == "FAILED: 2 of 16 checks failed, 0 skipped")
    }

    @Test("bad options are usage errors (exit 64) that start nothing")
    func usageErrors() async {
        #expect(await loomctl(["migrator", "check", "--grace", "0"]).code == 64)
        #expect(await loomctl(["migrator", "check", "--callback-timeout", "3600.001"]).code == 64)
        // At the limit the options are valid: the command gets as far as reading the (missing) file.
        let atLimit = await loomctl(["migrator", "check", "--callback-timeout", "3600", "--announcement", "/nonexistent/a.json"])
        #expect(atLimit.error == "loomctl: error: cannot read /nonexistent/a.json\n")
        #expect(await loomctl(["migrator", "check", "--listen", "nohost"]).code == 64)
        #expect(await loomctl(["migrator", "check", "ftp://x"]).code == 64)
        let missing = await loomctl(["migrator", "check", "--announcement", "/nonexistent/announce.json"])
        #expect(missing.code == 64)
        #expect(missing.error == "loomctl: error: cannot read /nonexistent/announce.json\n")
        let help = await loomctl(["migrator", "check", "--help"])
        #expect(help.code == 0)
        #expect(help.output.contains("--callback-timeout"))
    }
}
