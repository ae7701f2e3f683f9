import Foundation
import LoomProto
import LoomRPC
import Testing

@testable import LoomCLI

@Suite("Tables, JSON and exit codes", .timeLimit(.minutes(1)))
struct RenderingTests {
    @Test("tables align columns, show - for empty cells and ignore colour codes in widths")
    func tableAlignment() {
        var table = TextTable(headers: ["ID", "STATUS", "NOTE"])
        table.append(["a", Palette(isEnabled: true).green("completed"), ""])
        table.append(["longer-id", "running", "x"])
        let lines = table.render().map { $0.replacingOccurrences(of: "\u{1B}[32m", with: "").replacingOccurrences(of: "\u{1B}[0m", with: "") }
        #expect(lines == [
            "ID         STATUS     NOTE",
            "a          completed  -",
            "longer-id  running    x",
        ])
    }

    @Test("enum names are the REST contract's lower snake strings")
    func enumNames() {
        #expect(RunStatus.waitingRetry.cliName == "waiting_retry")
        #expect(StepStatus.awaitingReview.cliName == "awaiting_review")
        #expect(CandidateStatus.notStarted.cliName == "not_started")
        #expect(HistoryKind.stepTimedOut.cliName == "step_timed_out")
        #expect(HistoryKind.statusChecked.cliName == "status_checked")
        #expect(HistoryKind.stepStalled.cliName == "step_stalled")
        #expect(FileDiffStatus.modified.cliName == "modified")
        #expect(RunStatus.unrecognized(42).cliName == "unrecognized_42")
    }

    @Test("timestamps are UTC; 0 is empty")
    func timestamps() {
        #expect(formatTimestamp(0).isEmpty)
        #expect(formatTimestamp(1_795_967_416_000) == "2026-11-29 15:50:16Z")
        #expect(formatTimestamp(951_782_400_000) == "2000-02-29 00:00:00Z")
    }

    @Test("a run renders one row per step with status, attempt, PR and failure; unreached steps are pending")
    func runTable() {
        let lines = TableRenderer().steps(of: Fixture.run(status: .waitingRetry))
        #expect(lines == [
            "#   STEP    STATUS   ATTEMPT  UPDATED               PR                FAILURE",
            " 1  chart   merged   1        2026-11-29 15:50:16Z  https://git/pr/1  -",
            "›2  review  failed   2        2026-11-29 15:50:16Z  -                 boom",
            " 3  deploy  pending  -        -                     -                 -",
        ])
    }

    @Test("run show says since when a run is stalled, and says nothing of it otherwise")
    func stalledField() {
        var run = Fixture.run(status: .running)
        #expect(!TableRenderer().run(run).contains { $0.hasPrefix("Stalled:") })
        run.stalledSinceUnixMs = Fixture.time
        #expect(TableRenderer().run(run).contains {
            $0.hasPrefix("Stalled:") && $0.hasSuffix(" since 2026-11-29 15:50:16Z: no event, and the migrator has no /step-status")
        })
    }

    @Test("JSON uses camelCase keys, string enums and sorted keys")
    func runJSON() throws {
        let text = JSONOutput.encode(JSONOutput.run(Fixture.run(status: .waitingRetry)))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["status"] as? String == "waiting_retry")
        #expect(object["migrationId"] as? String == "m1")
        #expect(object["candidateId"] as? String == "c1")
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(results.map { $0["status"] as? String } == ["merged", "failed"])
        #expect(results[1]["failureReason"] as? String == "boom")
        #expect(text.range(of: "\"candidateId\"")!.lowerBound < text.range(of: "\"migrationId\"")!.lowerBound)
    }

    @Test("colours are off without a terminal, with --json, with NO_COLOR and with TERM=dumb")
    func palette() {
        #expect(Palette(isTerminal: true, json: false, environment: [:]).isEnabled)
        #expect(!Palette(isTerminal: false, json: false, environment: [:]).isEnabled)
        #expect(!Palette(isTerminal: true, json: true, environment: [:]).isEnabled)
        #expect(!Palette(isTerminal: true, json: false, environment: ["NO_COLOR": "1"]).isEnabled)
        #expect(Palette(isTerminal: true, json: false, environment: ["NO_COLOR": ""]).isEnabled)
        #expect(!Palette(isTerminal: true, json: false, environment: ["TERM": "dumb"]).isEnabled)
    }

    @Test("RPC errors exit with their gRPC code number", arguments: RPCStatus.Code.allCases.filter { $0 != .ok })
    func rpcExitCodes(code: RPCStatus.Code) {
        let error = CLIError(RPCError(code: code, message: "m"))
        #expect(error.exitCode == Int32(code.rawValue))
        #expect(error.description == "\(code): m")
    }

    @Test("usage errors exit 64; watch outcomes exit 0, 20, 21, 22")
    func otherExitCodes() throws {
        #expect(CLIError.usage("x").exitCode == 64)
        #expect(CLIError(RPCError(code: .unauthenticated, message: "")).exitCode == 16)
        #expect(CLIError(RPCError(code: .permissionDenied, message: "")).exitCode == 7)
        #expect(CLIError(RPCError(code: .notFound, message: "")).exitCode == 5)
        try RunCommand.Watch.outcome(of: Fixture.run(status: .completed))
        #expect(throws: CLIError.runEnded(.failed, reason: "")) { try RunCommand.Watch.outcome(of: Fixture.run(status: .failed)) }
        #expect(CLIError.runEnded(.failed, reason: "").exitCode == 20)
        #expect(CLIError.runEnded(.cancelled, reason: "").exitCode == 21)
        #expect(throws: CLIError.streamEndedEarly) { try RunCommand.Watch.outcome(of: Fixture.run(status: .running)) }
        #expect(throws: CLIError.streamEndedEarly) { try RunCommand.Watch.outcome(of: nil) }
        #expect(CLIError.streamEndedEarly.exitCode == 22)
    }

    @Test("plain watch lines carry the run status, progress, step and event")
    func watchPlain() {
        var renderer = WatchRenderer(mode: .plain, palette: Palette(isEnabled: true))
        let entry = HistoryEntry(atUnixMs: 1_795_967_416_000, kind: .stepFailed, stepName: "review", detail: "boom \"x\"")
        let line = renderer.render(RunUpdate(run: Fixture.run(status: .waitingRetry), entry: entry))
        #expect(line == "2026-11-29 15:50:16Z run=waiting_retry done=1/3 step=review step_status=failed attempt=2 event=step_failed detail=\"boom \\\"x\\\"\"\n")
        #expect(renderer.finish().isEmpty)
    }

    @Test("live watch redraws a progress bar in place")
    func watchLive() {
        var renderer = WatchRenderer(mode: .live, palette: .plain)
        let first = renderer.render(RunUpdate(run: Fixture.run(status: .running)))
        #expect(first.hasPrefix("Watching run m1__c1\n["))
        #expect(first.contains("1/3"))
        let second = renderer.render(RunUpdate(run: Fixture.run(status: .completed), entry: HistoryEntry(kind: .runCompleted)))
        #expect(second.hasPrefix("\r\u{1B}[2Krun_completed\n"))
        #expect(renderer.finish() == "\n")
    }
}

/// Shared test data.
enum Fixture {
    static let time: Int64 = 1_795_967_416_000

    /// A three-step run: step 1 merged (with a PR), step 2 failed on attempt 2, step 3 not reached.
    static func run(status: RunStatus) -> Run {
        Run(
            id: "m1__c1",
            migrationID: "m1",
            candidateID: "c1",
            status: status,
            currentStep: status == .completed ? 3 : 1,
            results: [
                StepResult(stepName: "chart", status: .merged, metadata: ["prUrl": "https://git/pr/1"], attempt: 1, updatedAtUnixMs: time),
                StepResult(stepName: "review", status: .failed, attempt: 2, updatedAtUnixMs: time, failureReason: "boom"),
            ],
            steps: [StepDefinition(name: "chart"), StepDefinition(name: "review"), StepDefinition(name: "deploy")],
            failureReason: ""
        )
    }
}
