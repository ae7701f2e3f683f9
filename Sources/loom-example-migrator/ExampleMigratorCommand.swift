import ArgumentParser
import Foundation
import Logging
import LoomAPI
import LoomExampleMigrator
import LoomProto
import LoomRPC
import LoomTLS
import NIOPosix

/// `loom-example-migrator`: a real migrator to read and run, for learning Loom's contract.
@main
struct ExampleMigratorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loom-example-migrator",
        abstract: "An example Loom migrator: upgrades Kubernetes manifests in a folder of git repositories.",
        discussion: """
            On start it serves /dispatch-step and /dry-run, announces the migration "manifest-upgrade" to Loom \
            over RPC (mutual TLS with --cert/--key), and submits every repository under --workspace that has \
            deploy/*.yaml as a candidate. Steps commit on a branch, report "open", merge, and report "merged"; \
            the review step waits for an operator (loomctl run approve).
            """)

    @Option(help: "Folder of git repositories to migrate.")
    var workspace: String
    @Option(help: "Address to serve dispatches on, host:port.")
    var listen = "127.0.0.1:9090"
    @Option(help: "This migrator's URL as Loom reaches it (default: http://<listen>).")
    var url: String?
    @Option(help: "Loom's RPC address, host:port (LOOM_SERVER).")
    var loom: String?
    @Option(help: "CA that signs Loom's server certificate (LOOM_CA).")
    var ca: String?
    @Option(help: "This migrator's client certificate (LOOM_CERT).")
    var cert: String?
    @Option(help: "Key of --cert (LOOM_KEY).")
    var key: String?
    @Flag(help: "Talk to Loom without TLS (development only).")
    var insecure = false
    @Option(help: "Seconds between a step's \"open\" and its merge.")
    var mergeDelay: Double = 2

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        var logger = Logger(label: "example-migrator")
        logger.logLevel = .info
        let (host, port) = try Self.split(listen)
        let (loomHost, loomPort) = try Self.split(loom ?? env["LOOM_SERVER"] ?? "127.0.0.1:7443")
        let security: RPCTransportSecurity
        if insecure {
            security = .insecure
        } else {
            let caPath = ca ?? env["LOOM_CA"], certPath = cert ?? env["LOOM_CERT"], keyPath = key ?? env["LOOM_KEY"]
            let context = try TLSContext.client(.defaults {
                $0.trustRootsPath = caPath
                if let certPath, let keyPath { $0.certificates = .init(chainPath: certPath, privateKeyPath: keyPath) }
                $0.alpnProtocols = [RPCTransportSecurity.alpnProtocol]
            })
            security = .tls(context)
        }
        let client = LoomClient(host: loomHost, port: loomPort, configuration: .init(transportSecurity: security), logger: logger)
        let engine = MigratorEngine(
            workspace: Workspace(root: URL(fileURLWithPath: workspace)), loom: client,
            mergeDelay: .milliseconds(Int64(mergeDelay * 1000)), logger: logger)
        let responder = MigratorResponder(engine: engine)
        let server = try await MigratorHTTPServer.start(
            host: host, port: port, tls: nil, group: MultiThreadedEventLoopGroup.singleton, logger: logger
        ) { await responder.respond(to: $0) }
        let publicURL = url ?? "http://\(host):\(server.port)"
        logger.notice("serving dispatches", metadata: ["url": "\(publicURL)"])

        try await Self.announce(client, migratorURL: publicURL, logger: logger)
        try await Self.submitCandidates(client, workspace: workspace, logger: logger)

        let signals = await UnixSignalsWaiter.wait()
        logger.notice("stopping", metadata: ["signal": "\(signals)"])
        try await server.close()
        await client.close()
    }

    /// Announces with retries (Loom may still be starting), like the reference migrator: 10 tries, 2 s apart.
    static func announce(_ client: LoomClient, migratorURL: String, logger: Logger) async throws {
        var lastError: (any Error)?
        for _ in 1...10 {
            do {
                let response = try await client.announce(
                    AnnounceRequest(migration: ExampleMigration.announcement(migratorURL: migratorURL)))
                logger.notice("announced", metadata: ["migration": "\(response.migration?.id ?? "")"])
                return
            } catch {
                lastError = error
                logger.warning("announce failed; retrying in 2 s", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .seconds(2))
            }
        }
        throw lastError!  // the loop ran at least once
    }

    static func submitCandidates(_ client: LoomClient, workspace: String, logger: Logger) async throws {
        let (repositories, skipped) = try Workspace(root: URL(fileURLWithPath: workspace)).discover()
        for reason in skipped { logger.info("not a candidate: \(reason)") }
        let candidates = repositories.map { repository in
            Candidate(
                id: repository.id, kind: "repository", metadata: ["repoName": repository.id],
                files: [
                    FileGroup(
                        name: Workspace.manifestFolder, repo: repository.id,
                        files: repository.manifests.map {
                            FileRef(path: $0, url: repository.directory.appendingPathComponent($0).absoluteString)
                        })
                ])
        }
        let response = try await client.submitCandidates(
            SubmitCandidatesRequest(migrationID: ExampleMigration.id, candidates: candidates))
        logger.notice(
            "candidates submitted",
            metadata: ["accepted": "\(response.accepted)", "unchanged (running or completed)": "\(response.skippedIDs)"])
    }

    static func split(_ address: String) throws -> (String, Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
            throw ValidationError("address \"\(address)\" must be host:port")
        }
        return (String(address[..<colon]), port)
    }
}
