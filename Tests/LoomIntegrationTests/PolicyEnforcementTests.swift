import Foundation
import LoomProto
import LoomRPC
import LoomTLS
import LoomTestSupport
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
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loom-policy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = directory.appendingPathComponent("policy.json").path
        try #"""
        {"identities": [
          {"uri": "spiffe://loom.dev/operator", "roles": ["operator"]},
          {"uri": "spiffe://loom.dev/migrator/*", "roles": ["migrator"]},
          {"uri": "spiffe://loom.dev/viewer", "roles": ["viewer"]},
          {"dns": "*", "roles": ["migrator"]}]}
        """#.write(toFile: policy, atomically: true, encoding: .utf8)
        let readinessContext = try TLSContext.client(.defaults {
            $0.trustRootsPath = ca.caPath
            $0.certificates = .init(chainPath: ca.operatorClient.chainPath, privateKeyPath: ca.operatorClient.keyPath)
            $0.alpnProtocols = [RPCTransportSecurity.alpnProtocol]
        })
        let server = ServerProcess(
            rpcPort: try RedisServerFixture.freePort(), httpPort: try RedisServerFixture.freePort(),
            extraArguments: [
                "--tls-cert", ca.server.chainPath, "--tls-key", ca.server.keyPath, "--tls-ca", ca.caPath,
                "--client-auth", "optional", "--policy", policy,
            ],
            logPath: directory.appendingPathComponent("server.log").path,
            security: .tls(readinessContext, serverHostname: "localhost"))
        try await server.start()
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
}
