import Foundation

/// A throwaway certificate authority for TLS tests, created once per test process in a
/// temporary directory by running `Tools/dev-certs --test-variants` (openssl CLI).
///
/// It provides a valid server certificate (SAN `DNS:localhost`, `IP:127.0.0.1`), client
/// certificates with SPIFFE ids, and the certificates tests must reject: one from
/// another CA, an expired one, and a client-only (EKU clientAuth) certificate.
///
/// ```swift
/// let ca = try TestCertificateAuthority.shared()
/// config.certificates = .init(chainPath: ca.server.chainPath, privateKeyPath: ca.server.keyPath)
/// config.trustRootsPath = ca.caPath
/// ```
public struct TestCertificateAuthority: Sendable {
    /// A certificate (leaf PEM) and its private key (PEM).
    public struct Credential: Sendable, Hashable {
        /// PEM certificate file.
        public let chainPath: String
        /// PEM private key file.
        public let keyPath: String
    }

    /// Failure to create the certificates.
    public struct CreationError: Error, CustomStringConvertible {
        /// What went wrong, with the script's output.
        public let description: String
    }

    /// The directory holding every file.
    public let directory: String
    /// The trust domain of the SPIFFE ids (`loom.dev`).
    public let trustDomain = "loom.dev"
    /// PEM bundle of the test CA: the trust roots for both sides.
    public var caPath: String { file("ca.pem") }
    /// PEM of an unrelated CA (trusting it instead of ``caPath`` rejects every test certificate).
    public var otherCAPath: String { file("other-ca.pem") }
    /// Server certificate: SAN DNS:localhost, IP:127.0.0.1, IP:::1; EKU serverAuth.
    public var server: Credential { credential("server") }
    /// Client `spiffe://loom.dev/operator`.
    public var operatorClient: Credential { credential("client-operator") }
    /// Client `spiffe://loom.dev/migrator/example`.
    public var migratorClient: Credential { credential("client-migrator-example") }
    /// Client `spiffe://loom.dev/viewer`.
    public var viewerClient: Credential { credential("client-viewer") }
    /// Client certificate signed by the other CA (must be rejected).
    public var otherCAClient: Credential { credential("other-client") }
    /// Client certificate that has expired (must be rejected).
    public var expiredClient: Credential { credential("expired-client") }
    /// EKU clientAuth-only certificate naming localhost (must be rejected when a server uses it).
    public var clientOnly: Credential { credential("client-only") }
    /// Client certificate with only a DNS SAN, `worker.loom.dev`.
    public var dnsClient: Credential { credential("client-dns") }
    /// Client certificate without SANs, CN `legacy-client`.
    public var commonNameClient: Credential { credential("client-cn") }

    /// Root CA of a two-level hierarchy (root -> intermediate -> ``chainServer``).
    public var chainRootPath: String { file("chain-root.pem") }
    /// The intermediate CA signed by ``chainRootPath``.
    public var chainIntermediatePath: String { file("chain-intermediate.pem") }
    /// Server certificate (SAN DNS:localhost) issued by the intermediate; the chain file holds
    /// the leaf followed by the intermediate.
    public var chainServer: Credential { credential("chain-server") }
    /// ``chainServer`` with a chain file holding the leaf alone.
    public var chainServerLeafOnly: Credential {
        Credential(chainPath: file("chain-server-leaf.pem"), keyPath: file("chain-server.key"))
    }

    private static let instance: Result<TestCertificateAuthority, CreationError> = Result { () throws(CreationError) in try create() }

    /// The process-wide authority, created on first use.
    /// - Throws: ``CreationError`` when the openssl CLI or the script fails.
    public static func shared() throws -> TestCertificateAuthority {
        try instance.get()
    }

    private func file(_ name: String) -> String { directory + "/" + name }
    private func credential(_ name: String) -> Credential {
        Credential(chainPath: file(name + ".pem"), keyPath: file(name + ".key"))
    }

    /// Path of `Tools/<name>` in this repository (found from this source file's location).
    public static func toolPath(_ name: String) -> String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tools").appendingPathComponent(name).path
    }

    private static func create() throws(CreationError) -> TestCertificateAuthority {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("loom-test-ca-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", toolPath("dev-certs"), "--out", directory, "--test-variants"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            throw CreationError(description: "cannot run Tools/dev-certs: \(error)")
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CreationError(description: "Tools/dev-certs failed (\(process.terminationStatus)): \(text)")
        }
        return TestCertificateAuthority(directory: directory)
    }
}
