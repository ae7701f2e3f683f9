import Foundation
import LoomAPI
import LoomProto
import LoomRPC
import LoomTestSupport
import LoomTLS
import Testing

/// The built server with mTLS (client auth optional) and a policy file, called with real certificates.
@Suite("Authorization policy over mTLS (real server)", .timeLimit(.minutes(2)))
struct PolicyEnforcementTests {
    static func client(_ port: Int, _ ca: TestCertificateAuthority, _ credential: TestCertificateAuthority.Credential?) throws -> LoomClient {
        let context = try TLSContext.client(.defaults {
            $0.trustRootsPath = ca.caPath
            if let credential { $0.certificates = .init(chainPath: credential.chainPath, privateKeyPath: credential.keyPath) }
            $0.alpnProtocols = [RPCTransportSecurity.alpnProtocol]
        })
        return LoomClient(host: "127.0.0.1", port: port, configuration: .init(transportSecurity: .tls(context, serverHostname: "localhost")))
    }

    /// A fresh folder under the temporary directory (the caller removes it).
    static func temporaryDirectory(_ prefix: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// A started server with mTLS (client certificates optional) and `policy` (JSON) written to `directory`.
    static func startServer(ca: TestCertificateAuthority, in directory: URL, policy: String) async throws -> ServerProcess {
        let policyPath = directory.appendingPathComponent("policy.json").path
        try policy.write(toFile: policyPath, atomically: true, encoding: .utf8)
        let readinessContext = try TLSContext.client(.defaults {
            $0.trustRootsPath = ca.caPath
            $0.certificates = .init(chainPath: ca.operatorClient.chainPath, privateKeyPath: ca.operatorClient.keyPath)
            $0.alpnProtocols = [RPCTransportSecurity.alpnProtocol]
        })
        let server = ServerProcess(
            extraArguments: [
                "--tls-cert", ca.server.chainPath, "--tls-key", ca.server.keyPath, "--tls-ca", ca.caPath,
                "--client-auth", "optional", "--policy", policyPath,
            ],
            logPath: directory.appendingPathComponent("server.log").path,
            security: .tls(readinessContext, serverHostname: "localhost"))
        try await server.start()
        return server
    }

    static func code(_ body: () async throws -> Void) async -> RPCStatus.Code? {
        do {
            try await body()
            return nil
        } catch let error as RPCError {
            return error.code
        } catch {
            return .unknown
        }
    }

    @Test("operator starts runs; viewer is denied; a migrator cannot touch another's migration; no certificate is unauthenticated")
    func policy() async throws {
        let ca = try TestCertificateAuthority.shared()
        let directory = try Self.temporaryDirectory("loom-policy")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await Self.startServer(ca: ca, in: directory, policy: #"""
            {"identities": [
              {"uri": "spiffe://loom.dev/operator", "roles": ["operator"]},
              {"uri": "spiffe://loom.dev/migrator/*", "roles": ["migrator"]},
              {"uri": "spiffe://loom.dev/viewer", "roles": ["viewer"]},
              {"dns": "*", "roles": ["migrator"]}]}
            """#)
        defer { server.stop() }

        let migrator = try Self.client(server.rpcPort, ca, ca.migratorClient)
        let operatorClient = try Self.client(server.rpcPort, ca, ca.operatorClient)
        let viewer = try Self.client(server.rpcPort, ca, ca.viewerClient)
        let anonymous = try Self.client(server.rpcPort, ca, nil)

        let migration = Migration(
            id: "owned", migratorURL: "http://127.0.0.1:9", candidates: [Candidate(id: "c1", kind: "app")],
            steps: [StepDefinition(name: "one", migratorApp: "m", type: "t")])
        #expect(await Self.code { _ = try await migrator.announce(AnnounceRequest(migration: migration)) } == nil)
        #expect(await Self.code { _ = try await operatorClient.announce(AnnounceRequest(migration: migration)) } == .permissionDenied)
        // The operator may start runs (the migrator is unreachable; the run still starts and retries dispatch).
        #expect(await Self.code { _ = try await operatorClient.startRun(StartRunRequest(migrationID: "owned", candidateID: "c1")) } == nil)
        #expect(await Self.code { _ = try await viewer.startRun(StartRunRequest(migrationID: "owned", candidateID: "c1")) } == .permissionDenied)
        #expect(await Self.code { _ = try await viewer.getRun(GetRunRequest(migrationID: "owned", candidateID: "c1")) } == nil)
        #expect(await Self.code { _ = try await anonymous.getRun(GetRunRequest(migrationID: "owned", candidateID: "c1")) } == .unauthenticated)

        // A second migrator (the DNS-named certificate) owns nothing here: it may not submit candidates
        // to, or report events for, the first migrator's migration.
        let otherMigrator = try Self.client(server.rpcPort, ca, ca.dnsClient)
        #expect(await Self.code {
            _ = try await otherMigrator.submitCandidates(
                SubmitCandidatesRequest(migrationID: "owned", candidates: [Candidate(id: "c2", kind: "app")]))
        } == .permissionDenied)
        let event = ReportStepEventRequest(
            runID: "owned__c1", event: StepEvent(stepName: "one", candidateID: "c1", success: false, failureReason: "forged"))
        #expect(await Self.code { _ = try await otherMigrator.reportStepEvent(event) } == .permissionDenied)
        #expect(await Self.code { _ = try await viewer.reportStepEvent(event) } == .permissionDenied)
        // Reads too: a migrator sees only what it owns (the viewer sees everything).
        #expect(await Self.code { _ = try await otherMigrator.getMigration(GetMigrationRequest(migrationID: "owned")) } == .permissionDenied)
        #expect(await Self.code { _ = try await otherMigrator.listCandidates(ListCandidatesRequest(migrationID: "owned")) } == .permissionDenied)
        #expect(await Self.code { _ = try await otherMigrator.getRun(GetRunRequest(migrationID: "owned", candidateID: "c1")) } == .permissionDenied)
        #expect(await Self.code { _ = try await migrator.getMigration(GetMigrationRequest(migrationID: "owned")) } == nil)
        #expect(await Self.code { _ = try await migrator.listCandidates(ListCandidatesRequest(migrationID: "owned")) } == nil)
        #expect(await Self.code { _ = try await migrator.getRun(GetRunRequest(migrationID: "owned", candidateID: "c1")) } == nil)
        #expect(await Self.code { _ = try await viewer.getMigration(GetMigrationRequest(migrationID: "owned")) } == nil)
        #expect(await Self.code { _ = try await viewer.listRuns(ListRunsRequest()) } == nil)
        await otherMigrator.close()
        for client in [migrator, operatorClient, viewer, anonymous] { await client.close() }
    }

    /// The review's exploit (#16 item 1), against the real server: a migration announced over mTLS,
    /// then an anonymous `POST /registry/announce` pointing `migratorUrl` at an attacker, and an
    /// anonymous candidate injection. Both used to succeed; now only the owner's credential works.
    @Test("an anonymous caller cannot take over an mTLS-owned migration through the REST shim")
    func shimTakeover() async throws {
        let ca = try TestCertificateAuthority.shared()
        let directory = try Self.temporaryDirectory("loom-takeover")
        defer { try? FileManager.default.removeItem(at: directory) }
        let token = "0f3c9a7e5b2d4c6a8e1f3b5d7c9a2e4f6b8d1c3e5a7f9b2d4c6e8a1f3b5d7c9a"
        let server = try await Self.startServer(ca: ca, in: directory, policy: """
            {"identities": [
              {"uri": "spiffe://loom.dev/operator", "roles": ["operator"]},
              {"uri": "spiffe://loom.dev/migrator/*", "roles": ["migrator"]}],
             "credentials": [{"uri": "spiffe://loom.dev/migrator/example", "sha256": "\(SHA256Digest.hex(of: token))"}]}
            """)
        defer { server.stop() }

        let migrator = try Self.client(server.rpcPort, ca, ca.migratorClient)
        defer { Task { await migrator.close() } }
        let migration = Migration(
            id: "owned", migratorURL: "http://127.0.0.1:9", candidates: [Candidate(id: "c1", kind: "app")],
            steps: [StepDefinition(name: "one", migratorApp: "m", type: "t")])
        _ = try await migrator.announce(AnnounceRequest(migration: migration))

        let takeover = #"{"id":"owned","name":"x","migratorUrl":"http://attacker.example:9","steps":[{"name":"one","migratorApp":"m"}]}"#
        let injection = #"{"candidates":[{"id":"injected","kind":"app"}]}"#
        let port = server.httpPort
        #expect(try PlainHTTP.post(port: port, path: "/registry/announce", body: takeover).status == 401)
        #expect(try PlainHTTP.post(port: port, path: "/migrations/owned/candidates", body: injection).status == 401)
        let guess = ["Authorization": "Bearer \(String(token.reversed()))"]
        #expect(try PlainHTTP.post(port: port, path: "/registry/announce", body: takeover, headers: guess).status == 401)
        var stored = try await migrator.getMigration(GetMigrationRequest(migrationID: "owned"))
        #expect(stored.migratorURL == "http://127.0.0.1:9")
        let candidates = try await migrator.listCandidates(ListCandidatesRequest(migrationID: "owned"))
        #expect(candidates.candidates.map(\.id) == ["c1"])

        // The owner's own credential works over the shim, as the same identity.
        let credential = ["Authorization": "Bearer \(token)"]
        let moved = #"{"id":"owned","name":"x","migratorUrl":"http://127.0.0.1:10","steps":[{"name":"one","migratorApp":"m"}]}"#
        #expect(try PlainHTTP.post(port: port, path: "/registry/announce", body: moved, headers: credential).status == 200)
        #expect(try PlainHTTP.post(port: port, path: "/migrations/owned/candidates", body: injection, headers: credential).status == 204)
        stored = try await migrator.getMigration(GetMigrationRequest(migrationID: "owned"))
        #expect(stored.migratorURL == "http://127.0.0.1:10")
        #expect(stored.owner == "spiffe://loom.dev/migrator/example")
    }
}

/// SHA-256 as hex, for writing policy credentials in tests.
enum SHA256Digest {
    static func hex(of text: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try? process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        let line = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return String(line.prefix(64))
    }
}
