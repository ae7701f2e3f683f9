import ArgumentParser
import Foundation
import Logging
import LoomAPI
import LoomExampleMigrator
import LoomMigratorKit
import LoomRPC
import LoomTLS

/// `loom-example-migrator`: a real migrator to read and run, for learning Loom's contract.
@main
struct ExampleMigratorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loom-example-migrator",
        abstract: "An example Loom migrator: upgrades Kubernetes manifests in a folder of git repositories.",
        discussion: """
            On start it serves /dispatch-step, /dry-run and /step-status, announces the migration "manifest-upgrade" \
            to Loom, and submits every repository under --workspace that has deploy/*.yaml as a candidate. Steps \
            commit on a branch, report "open", merge, and report "merged"; the review step waits for an operator \
            (loomctl run approve).

            Two ways to reach Loom: RPC (--loom host:port, mutual TLS with --cert/--key; the default), or the REST \
            shim (--loom-url, with the bearer credential in --loom-token-file; events go to each dispatch's \
            callbackUrl with its callback token).
            """)

    @Option(help: "Folder of git repositories to migrate.")
    var workspace: String
    @Option(help: "Address to serve dispatches on, host:port.")
    var listen = "127.0.0.1:9090"
    @Option(help: "This migrator's URL as Loom reaches it (default: http://<listen>).")
    var url: String?
    @Option(help: "Loom's RPC address, host:port (LOOM_SERVER; default 127.0.0.1:7443).")
    var loom: String?
    @Option(help: "Report over Loom's REST shim at this URL instead of RPC, http(s)://host:port (LOOM_URL).")
    var loomURL: String?
    @Option(help: "File holding the bearer credential for --loom-url (LOOM_TOKEN_FILE); never logged.")
    var loomTokenFile: String?
    @Option(help: "CA that signs Loom's server certificate (LOOM_CA).")
    var ca: String?
    @Option(help: "This migrator's client certificate (LOOM_CERT).")
    var cert: String?
    @Option(help: "Key of --cert (LOOM_KEY).")
    var key: String?
    @Flag(help: "Talk RPC to Loom without TLS (development only).")
    var insecure = false
    @Option(help: "Seconds between a step's \"open\" and its merge.")
    var mergeDelay: Double = 2

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        var logger = Logger(label: "example-migrator")
        logger.logLevel = .info
        let (host, port) = try Self.split(listen)
        let ledger = DispatchLedger()
        let connection = try makeConnection(env: env, ledger: ledger, logger: logger)
        let engine = MigratorEngine(
            workspace: Workspace(root: URL(fileURLWithPath: workspace)), connection: connection, ledger: ledger,
            mergeDelay: .milliseconds(Int64(mergeDelay * 1000)), logger: logger)
        let server = try await MigratorServer.start(
            engine, configuration: .init(host: host, port: port), ledger: ledger, logger: logger)
        let publicURL = url ?? "http://\(host):\(server.port)"
        logger.notice("serving dispatches", metadata: ["url": "\(publicURL)"])

        try await Self.announce(connection, migratorURL: publicURL, logger: logger)
        try await Self.submitCandidates(connection, workspace: workspace, logger: logger)

        let signals = await UnixSignalsWaiter.wait()
        logger.notice("stopping", metadata: ["signal": "\(signals)"])
        try await server.close()
        await connection.close()
    }

    /// The way to Loom the flags choose: REST with `--loom-url`, else RPC.
    func makeConnection(env: [String: String], ledger: DispatchLedger, logger: Logger) throws -> LoomConnection {
        let caPath = ca ?? env["LOOM_CA"], certPath = cert ?? env["LOOM_CERT"], keyPath = key ?? env["LOOM_KEY"]
        if (certPath == nil) != (keyPath == nil) { throw ValidationError("--cert and --key go together") }
        func tls(alpn: [String]) throws -> TLSContext {
            try TLSContext.client(.defaults {
                $0.trustRootsPath = caPath
                if let certPath, let keyPath { $0.certificates = .init(chainPath: certPath, privateKeyPath: keyPath) }
                $0.alpnProtocols = alpn
            })
        }
        // A flag wins over the environment: `--loom` with LOOM_URL set reports over RPC.
        if let restURL = loomURL ?? (loom == nil ? env["LOOM_URL"] : nil) {
            guard loom == nil else { throw ValidationError("--loom (RPC) and --loom-url (REST) exclude each other") }
            guard restURL.hasPrefix("http://") || restURL.hasPrefix("https://") else {
                throw ValidationError("--loom-url must be an http:// or https:// URL, got \"\(restURL.prefix(100))\"")
            }
            var credential: String?
            if let path = loomTokenFile ?? env["LOOM_TOKEN_FILE"] {
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw ValidationError("--loom-token-file: cannot read \(path)")
                }
                credential = text.trimmingCharacters(in: .whitespacesAndNewlines)
                guard credential?.isEmpty == false else { throw ValidationError("--loom-token-file: \(path) is empty") }
            }
            let http = JSONHTTPClient(tls: restURL.hasPrefix("https://") ? try tls(alpn: ["http/1.1"]) : nil, logger: logger)
            logger.notice("reporting over REST", metadata: ["loom": "\(restURL)", "credential": "\(credential == nil ? "none" : "from file")"])
            return .rest(url: restURL, credential: credential, http: http, callbacks: CallbackClient(http: http, logger: logger), ledger: ledger)
        }
        if loomTokenFile != nil { throw ValidationError("--loom-token-file needs --loom-url") }
        let (loomHost, loomPort) = try Self.split(loom ?? env["LOOM_SERVER"] ?? "127.0.0.1:7443")
        let security: RPCTransportSecurity = insecure ? .insecure : .tls(try tls(alpn: [RPCTransportSecurity.alpnProtocol]))
        let client = LoomClient(host: loomHost, port: loomPort, configuration: .init(transportSecurity: security), logger: logger)
        return .rpc(client, callbacks: CallbackClient(logger: logger), ledger: ledger)
    }

    /// Announces with retries (Loom may still be starting), like the reference migrator: 10 tries, 2 s apart.
    static func announce(_ connection: LoomConnection, migratorURL: String, logger: Logger) async throws {
        var lastError: (any Error)?
        for _ in 1...10 {
            do {
                let answer = try await connection.announce(ExampleMigration.announcement(migratorURL: migratorURL))
                logger.notice("announced", metadata: ["migration": "\(ExampleMigration.id)", "rejected": "\(answer.rejected.count)"])
                return
            } catch {
                lastError = error
                logger.warning("announce failed; retrying in 2 s", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .seconds(2))
            }
        }
        throw lastError!  // the loop ran at least once
    }

    static func submitCandidates(_ connection: LoomConnection, workspace: String, logger: Logger) async throws {
        let (repositories, skipped) = try Workspace(root: URL(fileURLWithPath: workspace)).discover()
        for reason in skipped { logger.info("not a candidate: \(reason)") }
        let candidates = repositories.map { repository in
            ReferenceJSON.Candidate(
                id: repository.id, kind: "repository", metadata: ["repoName": repository.id],
                files: [
                    ReferenceJSON.FileGroup(
                        name: Workspace.manifestFolder, repo: repository.id,
                        files: repository.manifests.map {
                            ReferenceJSON.FileRef(path: $0, url: repository.directory.appendingPathComponent($0).absoluteString)
                        })
                ])
        }
        let answer = try await connection.submitCandidates(candidates, migrationID: ExampleMigration.id)
        logger.notice(
            "candidates submitted",
            metadata: [
                "accepted": "\(answer.accepted.map(String.init) ?? "\(candidates.count - answer.rejected.count)")",
                "unchanged (running or completed)": "\(answer.unchangedIDs)",
                "rejected": "\(answer.rejected.map { "\($0.id): \($0.reason)" })",
            ])
    }

    static func split(_ address: String) throws -> (String, Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
            throw ValidationError("address \"\(address)\" must be host:port")
        }
        return (String(address[..<colon]), port)
    }
}
