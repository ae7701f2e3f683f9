import Foundation
import LoomProto
import LoomRPC
import LoomTLS
import LoomTestSupport
import Testing

@testable import LoomCLI

@Suite("loomctl against an in-process server", .timeLimit(.minutes(1)))
struct EndToEndTests {
    private func withServer(_ body: (FakeServer) async throws -> Void) async throws {
        try await FakeServer.with(body)
    }

    @Test("migrations list fetches every page and prints a table; --insecure warns on stderr")
    func migrationsList() async throws {
        try await withServer { server in
            let result = await server.loomctl(["migrations", "list"])
            #expect(result.code == 0)
            let lines = result.output.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("ID  NAME        STEPS  CANDIDATES  DONE  NEEDS A HUMAN  OWNER") == true)
            #expect(lines.count == 3)
            #expect(lines[1].hasPrefix("m1  Chart swap  2      2           0 %   1              spiffe://loom.dev/migrator/example"))
            #expect(lines[2].hasPrefix("m2  Other       1"))
            #expect(result.error.contains("loomctl: warning: --insecure"))
        }
    }

    @Test("migrations show --json prints the documented shape")
    func migrationShowJSON() async throws {
        try await withServer { server in
            let result = await server.loomctl(["migrations", "show", "m1", "--json"])
            #expect(result.code == 0)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
            #expect(object["migratorUrl"] as? String == "https://migrator")
            #expect(object["candidates"] == nil)
            let counts = try #require(object["counts"] as? [String: Any])
            #expect(counts["candidates"] as? [String: Int] == ["not_started": 1, "running": 1, "completed": 0])
            #expect((counts["steps"] as? [[String: Any]])?.first?["awaitingReview"] as? Int == 1)
            #expect(!result.output.contains("\u{1B}"))
        }
    }

    @Test("an RPC error exits with its gRPC code and prints loomctl: STATUS: message")
    func notFound() async throws {
        try await withServer { server in
            let result = await server.loomctl(["candidates", "list", "nope"])
            #expect(result.code == 5)
            #expect(result.output.isEmpty)
            #expect(result.error.hasSuffix("loomctl: NOT_FOUND: migration nope not found\n"))

            let retry = await server.loomctl(["run", "retry", "m1", "ok", "chart"])
            #expect(retry.code == 9)
            #expect(retry.error.contains("loomctl: FAILED_PRECONDITION: step chart has not failed"))
        }
    }

    @Test("run start sends --input values; a bad --input is a usage error that calls nothing")
    func runStart() async throws {
        try await withServer { server in
            let result = await server.loomctl(["run", "start", "m1", "ok", "--input", "repo=billing", "--input", "note=a=b"])
            #expect(result.code == 0)
            #expect(server.service.recorded.withLockedValue { $0.startInputs } == ["repo": "billing", "note": "a=b"])
            #expect(result.output.contains("Status:"))
            #expect(result.output.contains("running"))

            server.service.recorded.withLockedValue { $0.startInputs = nil }
            let bad = await server.loomctl(["run", "start", "m1", "ok", "--input", "repo"])
            #expect(bad.code == 64)
            #expect(bad.error.contains("--input \"repo\" is not key=value"))
            #expect(server.service.recorded.withLockedValue { $0.startInputs } == nil)

            let missing = await server.loomctl(["run", "start", "m1", "ok"])
            #expect(missing.code == 3)
        }
    }

    @Test("run show renders the step table with PR links and statuses")
    func runShow() async throws {
        try await withServer { server in
            let result = await server.loomctl(["run", "show", "m1", "ok"])
            #expect(result.code == 0)
            #expect(result.output.contains("Run:     m1__ok"))
            #expect(result.output.contains(" 1  chart   merged           1"))
            #expect(result.output.contains("https://git/pr/7"))
            #expect(result.output.contains("›2  review  awaiting_review  1"))
        }
    }

    @Test("run approve reports success for the current step; reject reports failure with the reason")
    func approveAndReject() async throws {
        try await withServer { server in
            let approve = await server.loomctl(["run", "approve", "m1", "ok"])
            #expect(approve.code == 0)
            let reject = await server.loomctl(["run", "reject", "m1", "ok", "--reason", "not yet", "--json"])
            #expect(reject.code == 0)
            let events = server.service.recorded.withLockedValue { $0.events }
            #expect(events.count == 2)
            #expect(events[0].runID == "m1__ok" && events[0].callbackToken.isEmpty)
            #expect(events[0].event == StepEvent(stepName: "review", candidateID: "ok", success: true))
            #expect(events[1].event == StepEvent(stepName: "review", candidateID: "ok", success: false, failureReason: "not yet"))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(reject.output.utf8)) as? [String: Any])
            #expect(object["status"] as? String == "event raised")
            #expect((object["run"] as? [String: Any])?["status"] as? String == "waiting_retry")
        }
    }

    @Test("run watch exits 0 when the run completes, 21 when cancelled, 22 when the stream ends early")
    func watch() async throws {
        try await withServer { server in
            let completed = await server.loomctl(["run", "watch", "m1", "ok"])
            #expect(completed.code == 0)
            let lines = completed.output.split(separator: "\n")
            #expect(lines.count == 3)
            #expect(lines.last == "run=completed done=2/2 event=run_completed")
            #expect(!completed.output.contains("\u{1B}"))

            let cancelled = await server.loomctl(["run", "watch", "m1", "stop"])
            #expect(cancelled.code == 21)
            #expect(cancelled.error.hasSuffix("loomctl: run cancelled\n"))

            let early = await server.loomctl(["run", "watch", "m1", "hang", "--json"])
            #expect(early.code == 22)
            let updates = try early.output.split(separator: "\n").map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            }
            #expect(updates.count == 2)
            #expect(updates.map { ($0["run"] as? [String: Any])?["status"] as? String } == ["running", "running"])
            #expect((updates[1]["entry"] as? [String: Any])?["kind"] as? String == "step_completed")

            let notFound = await server.loomctl(["run", "watch", "nope", "ok"])
            #expect(notFound.code == 5)
        }
    }

    @Test("run watch on a terminal draws a coloured progress bar; NO_COLOR turns colours off")
    func watchTerminal() async throws {
        try await withServer { server in
            let live = await server.loomctl(["run", "watch", "m1", "ok"], terminal: true)
            #expect(live.code == 0)
            #expect(live.output.contains("\r\u{1B}[2K"))
            #expect(live.output.contains("\u{1B}[32m████████████████████████\u{1B}[0m] 2/2"))
            let noColor = await server.loomctl(["run", "watch", "m1", "ok"], environment: ["NO_COLOR": "1"], terminal: true)
            #expect(noColor.output.contains("[████████████████████████] 2/2"))
        }
    }

    @Test("dry-run prints unified diffs; --candidate-json previews an unstored candidate")
    func dryRun() async throws {
        try await withServer { server in
            let result = await server.loomctl(["dry-run", "m1", "ok"])
            #expect(result.code == 0)
            #expect(result.output == """
                == Step 1: chart (1 file)
                --- a/deploy/ok/values.yaml
                +++ b/deploy/ok/values.yaml
                @@ -1,2 +1,2 @@
                -chart: old
                +chart: new
                 replicas: 2

                == Step 2: review (skipped)

                """)

            let file = FileManager.default.temporaryDirectory.appendingPathComponent("loomctl-candidate-\(UInt64.random(in: 0...UInt64.max)).json")
            try Data(#"{"id": "preview", "kind": "app"}"#.utf8).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let preview = await server.loomctl(["dry-run", "m1", "--candidate-json", file.path, "--json"])
            #expect(preview.code == 0)
            #expect(preview.output.contains("\"path\" : \"preview/values.yaml\""))
            #expect(preview.output.contains("\"diff\" : \"--- a/deploy/preview/values.yaml\\n+++ b/deploy/preview/values.yaml\\n@@ -1,2 +1,2 @@"))

            let both = await server.loomctl(["dry-run", "m1", "ok", "--candidate-json", file.path])
            #expect(both.code == 64)
        }
    }

    @Test("announce and candidates submit read JSON files; run cancel prints the cancelled run")
    func filesAndCancel() async throws {
        try await withServer { server in
            let directory = FileManager.default.temporaryDirectory
            let announcement = directory.appendingPathComponent("loomctl-announce-\(UInt64.random(in: 0...UInt64.max)).json")
            let candidates = directory.appendingPathComponent("loomctl-candidates-\(UInt64.random(in: 0...UInt64.max)).json")
            defer {
                try? FileManager.default.removeItem(at: announcement)
                try? FileManager.default.removeItem(at: candidates)
            }
            try Data(#"{"id": "m9", "name": "N", "migratorUrl": "https://x", "steps": [{"name": "a", "migratorApp": "app"}]}"#.utf8)
                .write(to: announcement)
            try Data(#"[{"id": "c1", "kind": "app"}, {"id": "c2", "kind": "app"}]"#.utf8).write(to: candidates)

            let announced = await server.loomctl(["announce", announcement.path])
            #expect(announced.code == 0)
            #expect(announced.output == "Announced m9 (1 steps).\n")
            let submitted = await server.loomctl(["candidates", "submit", "m1", candidates.path, "--json"])
            #expect(submitted.code == 0)
            #expect(submitted.output == "{\n  \"accepted\" : 2,\n  \"rejected\" : [\n\n  ],\n  \"skippedIds\" : [\n\n  ]\n}\n")
            let invalid = await server.loomctl(["announce", candidates.path])
            #expect(invalid.code == 64)
            #expect(invalid.error.contains("invalid migration announcement JSON"))

            let cancelled = await server.loomctl(["run", "cancel", "m1", "ok", "--reason", "later"])
            #expect(cancelled.code == 0)
            #expect(cancelled.output.contains("cancelled"))
        }
    }

    @Test("list commands print bare JSON arrays (candidates list, run history, migrations list)")
    func listJSON() async throws {
        try await withServer { server in
            let candidates = await server.loomctl(["candidates", "list", "m1", "--json"])
            let list = try #require(try JSONSerialization.jsonObject(with: Data(candidates.output.utf8)) as? [[String: Any]])
            #expect(list.map { $0["id"] as? String } == ["ok", "stop"])
            #expect(list.map { $0["status"] as? String } == ["running", "not_started"])
            let history = await server.loomctl(["run", "history", "m1", "ok", "--json", "--limit", "5"])
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(history.output.utf8)) as? [[String: Any]])
            #expect(entries.map { $0["kind"] as? String } == ["run_started", "step_completed"])
            let migrations = await server.loomctl(["migrations", "list", "--json"])
            let all = try #require(try JSONSerialization.jsonObject(with: Data(migrations.output.utf8)) as? [[String: Any]])
            #expect(all.map { $0["id"] as? String } == ["m1", "m2"])
        }
    }

    @Test("mTLS: the operator certificate from LOOM_CA/LOOM_CERT/LOOM_KEY reaches the server as the caller's identity")
    func mutualTLS() async throws {
        let ca = try TestCertificateAuthority.shared()
        let serverContext = try TLSContext.server(.defaults {
            $0.certificates = .init(chainPath: ca.server.chainPath, privateKeyPath: ca.server.keyPath)
            $0.trustRootsPath = ca.caPath
            $0.clientAuthentication = .require
            $0.alpnProtocols = [RPCTransportSecurity.alpnProtocol]
        })
        let server = try await FakeServer.start(security: .tls(serverContext))
        let environment = ["LOOM_CA": ca.caPath, "LOOM_CERT": ca.operatorClient.chainPath, "LOOM_KEY": ca.operatorClient.keyPath]
        let result = await server.loomctl(["migrations", "list", "--json"], insecure: false, environment: environment)
        let identity = server.service.recorded.withLockedValue { $0.lastIdentity }
        let untrusted = await server.loomctl(
            ["migrations", "list"],
            insecure: false,
            environment: ["LOOM_CA": ca.otherCAPath, "LOOM_CERT": ca.operatorClient.chainPath, "LOOM_KEY": ca.operatorClient.keyPath]
        )
        let anonymous = await server.loomctl(["migrations", "list"], insecure: false, environment: ["LOOM_CA": ca.caPath])
        let foreign = await server.loomctl(
            ["migrations", "list"],
            insecure: false,
            environment: ["LOOM_CA": ca.caPath, "LOOM_CERT": ca.otherCAClient.chainPath, "LOOM_KEY": ca.otherCAClient.keyPath]
        )
        await server.stop()
        #expect(result.code == 0)
        #expect(result.error.isEmpty)
        #expect(identity?.contains("operator") == true)
        #expect(untrusted.code == 14)
        #expect(untrusted.error.hasPrefix("loomctl: UNAVAILABLE"))
        // The server's refusal reaches the operator as UNAUTHENTICATED (exit 16) with the reason — unless the
        // alert is lost: the server closes right after sending it, and when the client's unread data makes that
        // close a TCP reset, the client sees a failed connection (UNAVAILABLE, exit 14). Either way nothing is served.
        #expect(anonymous.code == 16 || anonymous.code == 14, "\(anonymous.error)")
        if anonymous.code == 16 { #expect(anonymous.error.contains("requires a client certificate"), "\(anonymous.error)") }
        // A certificate from another CA is refused the same way (UNAUTHENTICATED naming unknown_ca, or the
        // lost alert's UNAVAILABLE).
        #expect(foreign.code == 16 || foreign.code == 14, "\(foreign.error)")
        if foreign.code == 16 { #expect(foreign.error.contains("unknown_ca"), "\(foreign.error)") }
    }

    @Test("run approve --help does not restrict operator events to callback auth mtls or none")
    func approveHelp() async {
        let capture = CapturedConsole()
        #expect(await Loomctl.run(arguments: ["run", "approve", "--help"], environment: [:], console: capture.console()) == 0)
        let text = capture.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(!text.contains("mtls or none"), "\(text)")
        #expect(text.contains("in every callback auth mode, token included"), "\(text)")
    }

    @Test("help, completion scripts and usage errors follow swift-argument-parser's conventions")
    func helpAndUsage() async {
        let capture = CapturedConsole()
        #expect(await Loomctl.run(arguments: ["--help"], environment: [:], console: capture.console()) == 0)
        #expect(capture.output.contains("LOOM_SERVER") && capture.output.contains("EXIT CODES"))
        let completion = CapturedConsole()
        #expect(await Loomctl.run(arguments: ["--generate-completion-script", "bash"], environment: [:], console: completion.console()) == 0)
        #expect(completion.output.contains("loomctl"))
        let usage = CapturedConsole()
        #expect(await Loomctl.run(arguments: ["run", "start", "m1"], environment: [:], console: usage.console()) == 64)
        #expect(usage.error.contains("Missing expected argument"))
        let unknown = CapturedConsole()
        #expect(await Loomctl.run(arguments: ["migrations", "list", "--bogus"], environment: [:], console: unknown.console()) == 64)
    }
}
