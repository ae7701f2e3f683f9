import Foundation
import LoomProto
import LoomTestSupport
import Testing

@testable import LoomCLI

@Suite("loomctl campaign", .timeLimit(.minutes(1)))
struct CampaignCommandTests {
    private func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("create with a filter, shared inputs, member inputs (CSV) and a budget sends exactly that")
    func createWithFilter() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loomctl-campaign-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = directory.appendingPathComponent("inputs.csv")
        try Data("candidate,key,value\ndone-0,repo,\"a,b\"\ntodo-1,repo,\"say \"\"hi\"\"\"\ndone-0,branch,main\n".utf8).write(to: csv)
        try await FakeServer.with { server in
            let result = await server.loomctl([
                "campaign", "create", "m1", "--id", "c9", "--status", "not_started", "--kind", "app", "--meta", "team=payments",
                "--input", "ticket=OPS-1", "--member-inputs", csv.path, "--max-in-flight", "50", "--max-starts-per-minute", "200",
                "--max-failures", "5", "--max-failure-percent", "2.5",
            ])
            #expect(result.code == 0, "\(result.error)")
            #expect(result.output.contains("Created campaign c9 of m1: 10 members"))
            let sent = try #require(server.service.recorded.withLockedValue { $0.createCampaign })
            #expect(sent.campaignID == "c9" && sent.migrationID == "m1" && !sent.preview)
            #expect(sent.candidateIDs.isEmpty)
            #expect(sent.status == .notStarted && sent.kind == "app" && sent.metadata == ["team": "payments"] && sent.idPrefix.isEmpty)
            #expect(sent.inputs == ["ticket": "OPS-1"])
            #expect(sent.memberInputs == [
                CampaignMemberInputs(candidateID: "done-0", inputs: ["repo": "a,b", "branch": "main"]),
                CampaignMemberInputs(candidateID: "todo-1", inputs: ["repo": "say \"hi\""]),
            ])
            #expect(sent.maxInFlight == 50 && sent.maxStartsPerMinute == 200)
            #expect(sent.maxFailures == 5 && sent.maxFailurePercent == 2.5 && sent.minimumFinished == 0)
        }
    }

    @Test("preview (and create --preview) lists the first members and creates nothing; --json is one object")
    func preview() async throws {
        try await FakeServer.with { server in
            let table = await server.loomctl(["campaign", "preview", "m1", "--candidates", "b, a ,c", "--max-in-flight", "2", "--max-starts-per-minute", "10"])
            #expect(table.code == 0, "\(table.error)")
            #expect(table.output.contains("Preview (nothing was created)"))
            #expect(table.output.contains("would have 3 members"))
            #expect(server.service.recorded.withLockedValue { $0.createCampaign?.candidateIDs } == ["b", "a", "c"])
            #expect(server.service.recorded.withLockedValue { $0.createCampaign?.preview } == true)
            let object = try json(
                await server.loomctl(["campaign", "create", "m1", "--preview", "--candidates", "x", "--max-in-flight", "1", "--max-starts-per-minute", "1", "--json"]).output)
            #expect(object["preview"] as? Bool == true)
            #expect(object["memberCount"] as? Int == 1)
            #expect((object["members"] as? [[String: Any]])?.map { $0["candidateId"] as? String } == ["x"])
            let campaign = try #require(object["campaign"] as? [String: Any])
            #expect((campaign["pacing"] as? [String: Any])?["maxInFlight"] as? Int == 1)
        }
    }

    @Test("candidates come from a file (lines with comments, or a JSON array); member inputs from JSON")
    func files() throws {
        let lines = try CampaignInput.candidateFile(Data("# wave 1\norg/a\n\n  org/b  \n".utf8), path: "f")
        #expect(lines == ["org/a", "org/b"])
        #expect(try CampaignInput.candidateFile(Data(#" ["x", "y"]"#.utf8), path: "f") == ["x", "y"])
        #expect(throws: CLIError.self) { try CampaignInput.candidateFile(Data("[1]".utf8), path: "f") }
        let json = try CampaignInput.memberInputs(Data(#"{"b": {"k": "2"}, "a": {"k": "1"}}"#.utf8), path: "f")
        #expect(json == [CampaignMemberInputs(candidateID: "a", inputs: ["k": "1"]), CampaignMemberInputs(candidateID: "b", inputs: ["k": "2"])])
        #expect(throws: CLIError.usage("f: row 1 has 2 fields; expected candidate,key,value")) {
            try CampaignInput.memberInputs(Data("a,k\n".utf8), path: "f")
        }
        #expect(throws: CLIError.usage("f: a k is given more than once")) {
            try CampaignInput.memberInputs(Data("a,k,1\r\na,k,2\r\n".utf8), path: "f")
        }
        #expect(throws: CLIError.usage("f: a quoted field is not closed")) {
            try CampaignInput.memberInputs(Data("a,k,\"open\n".utf8), path: "f")
        }
        #expect(CampaignInput.candidateList(" a,,b ,") == ["a", "b"])
    }

    @Test("usage errors call nothing: no selection, two selections, a bad percent, a missing cap")
    func usageErrors() async throws {
        try await FakeServer.with { server in
            for (arguments, text) in [
                (["campaign", "create", "m1", "--max-in-flight", "1", "--max-starts-per-minute", "1"], "choose the members"),
                (["campaign", "create", "m1", "--candidates", "a", "--kind", "app", "--max-in-flight", "1", "--max-starts-per-minute", "1"], "exclude each other"),
                (["campaign", "create", "m1", "--candidates", "a", "--max-in-flight", "1", "--max-starts-per-minute", "1", "--max-failure-percent", "101"], "(0, 100]"),
                (["campaign", "create", "m1", "--candidates", "a", "--max-starts-per-minute", "1"], "--max-in-flight"),
                (["campaign", "create", "m1", "--status", "done", "--max-in-flight", "1", "--max-starts-per-minute", "1"], "not_started, running, completed"),
                (["campaign", "members", "c1", "--status", "lost"], "pending, running, completed, failed, skipped, cancelled"),
                (["campaign", "update", "c1"], "nothing to change"),
                (["campaign", "cancel", "c1", "--cancel-runs"], "add --yes"),
            ] {
                let result = await server.loomctl(arguments)
                #expect(result.code == 64, "\(arguments)")
                #expect(result.error.contains(text), "\(result.error)")
            }
            #expect(server.service.recorded.withLockedValue { $0.createCampaign } == nil)
            #expect(server.service.recorded.withLockedValue { $0.cancelCampaign } == nil)
        }
    }

    @Test("the server's status is the exit code: NOT_FOUND 5, INVALID_ARGUMENT 3")
    func exitCodes() async throws {
        try await FakeServer.with { server in
            let missing = await server.loomctl(["campaign", "show", "c404"])
            #expect(missing.code == 5)
            #expect(missing.error.contains("campaign c404 not found"))
            let invalid = await server.loomctl(["campaign", "create", "m1", "--candidates", "a", "--max-in-flight", "0", "--max-starts-per-minute", "1"])
            #expect(invalid.code == 3)
            #expect(invalid.error.contains("max_in_flight"))
        }
    }

    @Test("show renders state, selection, pacing, budget, progress bars and history; --json has the documented shape")
    func show() async throws {
        try await FakeServer.with { server in
            let table = await server.loomctl(["campaign", "show", "c1"])
            #expect(table.code == 0)
            for text in [
                "Campaign c1 of migration m1", "State:      running", "candidates with status not_started, kind app, team=payments",
                "at most 2 in flight, 30 starts a minute", "pause at 3 failed runs or 12.5 % of finished runs (after 20 finished)",
                "Members: 10", "completed  3      30 %", "Recent history:", "changed", "at most 2 in flight",
            ] {
                #expect(table.output.contains(text), "\(text)\n\(table.output)")
            }
            let object = try json(await server.loomctl(["campaign", "show", "c1", "--json"]).output)
            let campaign = try #require(object["campaign"] as? [String: Any])
            #expect(campaign["state"] as? String == "running")
            #expect(campaign["members"] as? Int == 10)
            #expect((campaign["counts"] as? [String: Int]) == ["pending": 3, "running": 2, "completed": 3, "failed": 1, "skipped": 1, "cancelled": 0])
            #expect((campaign["budget"] as? [String: Any])?["maxFailurePercent"] as? Double == 12.5)
            #expect((campaign["selection"] as? [String: Any])?["status"] as? String == "not_started")
            #expect((object["history"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["created", "changed"])
        }
    }

    @Test("list and members print tables and bare JSON arrays; members pages and filters by status")
    func listings() async throws {
        try await FakeServer.with { server in
            let list = await server.loomctl(["campaign", "list", "m1"])
            #expect(list.code == 0)
            #expect(list.output.contains("ID  MIGRATION  STATE"))
            #expect(list.output.contains("paused"))
            let campaigns = try #require(
                try JSONSerialization.jsonObject(with: Data(await server.loomctl(["campaign", "list", "--json"]).output.utf8)) as? [[String: Any]])
            #expect(campaigns.map { $0["id"] as? String } == ["c1", "c2"])
            let page = await server.loomctl(["campaign", "members", "c1", "--page-size", "4", "--json"])
            let first = try #require(try JSONSerialization.jsonObject(with: Data(page.output.utf8)) as? [[String: Any]])
            #expect(first.count == 4)
            #expect(page.error.contains("--page-token 4"))
            let all = await server.loomctl(["campaign", "members", "c1", "--page-size", "4", "--all", "--json"])
            #expect((try JSONSerialization.jsonObject(with: Data(all.output.utf8)) as? [[String: Any]])?.count == 10)
            let skipped = await server.loomctl(["campaign", "members", "c1", "--status", "skipped"])
            #expect(skipped.output.contains("taken") && skipped.output.contains("a run is already active"))
            #expect(!skipped.output.contains("done-0"))
        }
    }

    @Test("pause, resume, update and cancel send what was asked and print the outcome")
    func operations() async throws {
        try await FakeServer.with { server in
            let paused = await server.loomctl(["campaign", "pause", "c1", "--reason", "freeze"])
            #expect(paused.code == 0)
            #expect(paused.output.contains("Campaign c1 is paused: paused by test: freeze"))
            #expect(server.service.recorded.withLockedValue { $0.pauseCampaign?.reason } == "freeze")
            #expect(await server.loomctl(["campaign", "resume", "c1"]).output.contains("Campaign c1 is running."))

            let pacing = await server.loomctl(["campaign", "update", "c1", "--max-in-flight", "8"])
            #expect(pacing.code == 0)
            #expect(pacing.output.contains("at most 8 in flight, 30 starts a minute"))
            let onlyPacing = try #require(server.service.recorded.withLockedValue { $0.updateCampaign })
            #expect(onlyPacing == UpdateCampaignRequest(campaignID: "c1", maxInFlight: 8))
            // A budget option keeps the other budget limits as they are.
            let budget = await server.loomctl(["campaign", "update", "c1", "--max-failures", "0", "--json"])
            #expect(budget.code == 0)
            let sent = try #require(server.service.recorded.withLockedValue { $0.updateCampaign })
            #expect(sent == UpdateCampaignRequest(campaignID: "c1", updateBudget: true, maxFailures: 0, maxFailurePercent: 12.5, minimumFinished: 20))
            let changed = try json(budget.output)
            #expect((changed["budget"] as? [String: Any])?["maxFailures"] is NSNull)

            let cancel = await server.loomctl(["campaign", "cancel", "c1", "--cancel-runs", "--yes"])
            #expect(cancel.code == 0)
            #expect(cancel.output.contains("Campaign c1 is cancelled; 2 runs cancelled."))
            #expect(server.service.recorded.withLockedValue { $0.cancelCampaign } == CancelCampaignRequest(campaignID: "c1", cancelRuns: true))
            let quiet = try json(await server.loomctl(["campaign", "cancel", "c1", "--yes", "--json"]).output)
            #expect(quiet["runsCancelled"] as? Int == 0)
        }
    }

    @Test("campaign --help explains the selection, pacing and budget")
    func help() async throws {
        let capture = CapturedConsole()
        let code = await Loomctl.run(arguments: ["campaign", "create", "--help"], environment: [:], console: capture.console())
        #expect(code == 0)
        for text in ["--candidates-file", "--member-inputs", "candidate,key,value", "--max-failure-percent", "--preview"] {
            #expect(capture.output.contains(text), "\(text)")
        }
    }

    @Test("campaign watch: one line per update, JSON lines with --json; exit 0 completed, 21 cancelled, 22 ended early, 5 unknown")
    func watch() async throws {
        try await FakeServer.with { server in
            let plain = await server.loomctl(["campaign", "watch", "c1"])
            #expect(plain.code == 0, "\(plain.error)")
            let lines = plain.output.split(separator: "\n")
            #expect(lines.count == 3)
            #expect(lines.first?.hasPrefix("c1 running running 2 · pending 5 · completed 3") == true)
            #expect(lines.last?.hasPrefix("c1 completed running 0 · pending 0 · completed 9 · failed 1") == true)
            let json = await server.loomctl(["campaign", "watch", "c1", "--json"])
            let states = try json.output.split(separator: "\n").map { try self.json(String($0))["state"] as? String }
            #expect(states == ["running", "running", "completed"])
            let cancelled = await server.loomctl(["campaign", "watch", "c2"])
            #expect(cancelled.code == 21)
            #expect(cancelled.error.contains("campaign cancelled: cancelled by bob"))
            #expect(await server.loomctl(["campaign", "watch", "c3"]).code == 22)
            #expect(await server.loomctl(["campaign", "watch", "c404"]).code == 5)
            let live = await server.loomctl(["campaign", "watch", "c1"], terminal: true)
            #expect(live.output.contains("\r\u{1B}[2K"))
            #expect(live.output.contains("10/10"))
        }
    }

    @Test("the watch's rate and ETA come from members settled since the first update")
    func watchRate() {
        var renderer = CampaignWatchRenderer(mode: .plain, palette: .plain)
        let start = renderer.render(Campaign(id: "c", state: .running, counts: CampaignCounts(pending: 90, running: 5, completed: 5)), at: 10)
        #expect(start.hasSuffix("-/min · ETA -\n"))
        // 30 more settled in 60 s: 30/min, 65 left → 2m10s.
        let later = renderer.render(Campaign(id: "c", state: .running, counts: CampaignCounts(pending: 60, running: 5, completed: 30, failed: 5)), at: 70)
        #expect(later.hasSuffix("30.0/min · ETA 2m10s\n"), "\(later)")
        #expect(CampaignWatchRenderer.duration(3725) == "1h02m")
        #expect(CampaignWatchRenderer.duration(45) == "45s")
        #expect(throws: CLIError.campaignEnded(.paused, reason: "")) { try CampaignCommand.Watch.outcome(of: Campaign(state: .paused)) }
        #expect(CLIError.campaignEnded(.cancelled, reason: "").exitCode == 21)
        #expect(CLIError.campaignEnded(.running, reason: "").exitCode == 22)
    }
}

