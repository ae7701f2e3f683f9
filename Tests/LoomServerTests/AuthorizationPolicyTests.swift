import Foundation
import LoomRPC
import LoomAPIService
import LoomTLS
import Testing

@Suite("Authorization policy")
struct AuthorizationPolicyTests {
    static let policyJSON = """
        {
          "identities": [
            { "uri": "spiffe://loom.dev/operator", "roles": ["operator"] },
            { "uri": "spiffe://loom.dev/migrator/*", "roles": ["migrator"] },
            { "dns": "*.viewers.internal", "roles": ["viewer"] },
            { "cn": "auditor", "roles": ["viewer"] }
          ],
          "roles": { "viewer": ["ListMigrations", "GetMigration"] }
        }
        """

    @Test("identities match by source and glob, and get the union of their roles")
    func rolesOfIdentities() throws {
        let policy = try AuthorizationPolicy.parse(Data(Self.policyJSON.utf8))
        #expect(policy.roles(of: PeerIdentity(value: "spiffe://loom.dev/operator", source: .uri)) == [.operator])
        #expect(policy.roles(of: PeerIdentity(value: "spiffe://loom.dev/migrator/helm", source: .uri)) == [.migrator])
        #expect(policy.roles(of: PeerIdentity(value: "ops.viewers.internal", source: .dns)) == [.viewer])
        #expect(policy.roles(of: PeerIdentity(value: "auditor", source: .commonName)) == [.viewer])
        // The same text from another certificate field does not match.
        #expect(policy.roles(of: PeerIdentity(value: "auditor", source: .dns)).isEmpty)
        #expect(policy.roles(of: PeerIdentity(value: "spiffe://loom.dev/operator/x", source: .uri)).isEmpty)
    }

    @Test("a credential maps its token (kept as a SHA-256) to its identity; any other token maps to none")
    func credentials() throws {
        // sha256("migrator-secret"), as `printf %s migrator-secret | sha256sum` prints it.
        let json = """
            {"identities": [{"uri": "spiffe://loom.dev/migrator/*", "roles": ["migrator"]}],
             "credentials": [{"uri": "spiffe://loom.dev/migrator/helm",
                              "sha256": "\(ShimAccessMatrixTests.sha256Hex("migrator-secret"))"}]}
            """
        let policy = try AuthorizationPolicy.parse(Data(json.utf8))
        let identity = try #require(policy.identity(presenting: "migrator-secret"))
        #expect(identity == PeerIdentity(value: "spiffe://loom.dev/migrator/helm", source: .uri))
        #expect(policy.roles(of: identity) == [.migrator])
        #expect(policy.identity(presenting: "migrator-secreT") == nil)
        #expect(policy.identity(presenting: "") == nil)
        #expect(policy.identity(presenting: ShimAccessMatrixTests.sha256Hex("migrator-secret")) == nil)
    }

    @Test("the credentials list is bounded")
    func credentialsLimit() throws {
        func file(_ count: Int) -> Data {
            let entries = (0..<count).map { index in
                let digest = ShimAccessMatrixTests.sha256Hex("t\(index)")
                return #"{"cn": "m\#(index)", "sha256": "\#(digest)"}"#
            }
            return Data(#"{"identities": [], "credentials": [\#(entries.joined(separator: ","))]}"#.utf8)
        }
        let limit = AuthorizationPolicy.maximumCredentials
        #expect(try AuthorizationPolicy.parse(file(limit)).credentials.count == limit)
        #expect(throws: PolicyFileError.self) { _ = try AuthorizationPolicy.parse(file(limit + 1)) }
    }

    @Test("a roles table replaces the defaults of the roles it names only")
    func roleOverrides() throws {
        let policy = try AuthorizationPolicy.parse(Data(Self.policyJSON.utf8))
        #expect(policy.allows([.viewer], toCall: "GetMigration"))
        #expect(!policy.allows([.viewer], toCall: "GetRun"))
        #expect(policy.allows([.operator], toCall: "StartRun"))
        #expect(!policy.allows([.operator], toCall: "Announce"))
        #expect(policy.allows([.migrator], toCall: "Announce"))
        #expect(!policy.allows([.migrator], toCall: "StartRun"))
    }

    @Test(
        "invalid policy files are refused with the reason",
        arguments: [
            ("[]", "top level must be a JSON object"),
            ("{", "is not valid JSON"),
            (#"{"identities": [{"uri": "x", "dns": "y", "roles": ["viewer"]}]}"#, "exactly one of"),
            (#"{"identities": [{"uri": "x", "roles": ["admin"]}]}"#, "unknown role \"admin\""),
            (#"{"identities": [{"uri": "x", "roles": []}]}"#, "non-empty array"),
            (#"{"identities": [], "roles": {"viewer": ["DropDatabase"]}}"#, "unknown method \"DropDatabase\""),
            (#"{"identities": [], "extra": 1}"#, "unknown key \"extra\""),
            (#"{"identities": [], "credentials": {}}"#, "\"credentials\" must be an array"),
            (#"{"identities": [], "credentials": [{"sha256": "\#(String(repeating: "a", count: 64))"}]}"#, "exactly one of"),
            (#"{"identities": [], "credentials": [{"uri": "spiffe://m/*", "sha256": "\#(String(repeating: "a", count: 64))"}]}"#, "without \"*\""),
            (#"{"identities": [], "credentials": [{"uri": "spiffe://m"}]}"#, "64 hex digits"),
            (#"{"identities": [], "credentials": [{"uri": "spiffe://m", "sha256": "\#(String(repeating: "a", count: 63))"}]}"#, "64 hex digits"),
            (#"{"identities": [], "credentials": [{"uri": "spiffe://m", "sha256": "\#(String(repeating: "g", count: 64))"}]}"#, "64 hex digits"),
            (#"{"identities": [], "credentials": [{"uri": "spiffe://m", "token": "x", "sha256": "\#(String(repeating: "a", count: 64))"}]}"#, "unknown key \"token\""),
            (#"{"identities": [], "credentials": [{"uri": "a", "sha256": "\#(String(repeating: "a", count: 64))"}, {"uri": "b", "sha256": "\#(String(repeating: "A", count: 64))"}]}"#, "repeats"),
        ])
    func invalidFiles(json: String, reason: String) {
        #expect {
            _ = try AuthorizationPolicy.parse(Data(json.utf8))
        } throws: { error in
            (error as? PolicyFileError)?.reason.contains(reason) == true
        }
    }

    @Test("glob patterns: * matches any run, the rest must match exactly")
    func globs() {
        let policy = AuthorizationPolicy(rules: [.init(kind: .uri, pattern: "spiffe://a/*/x*", roles: [.viewer])])
        #expect(!policy.roles(of: PeerIdentity(value: "spiffe://a/b/xyz", source: .uri)).isEmpty)
        #expect(!policy.roles(of: PeerIdentity(value: "spiffe://a//x", source: .uri)).isEmpty)
        #expect(policy.roles(of: PeerIdentity(value: "spiffe://a/b/y", source: .uri)).isEmpty)
    }

    @Test("the authorizer keeps UNAUTHENTICATED and PERMISSION_DENIED apart")
    func authorizerDecisions() async throws {
        let authorizer = PolicyAuthorizer(access: CallerAccess(policy: try AuthorizationPolicy.parse(Data(Self.policyJSON.utf8))))
        let operatorPeer = RPCPeer(identity: PeerIdentity(value: "spiffe://loom.dev/operator", source: .uri), remoteAddress: "t")
        let viewer = RPCPeer(identity: PeerIdentity(value: "auditor", source: .commonName), remoteAddress: "t")
        let stranger = RPCPeer(identity: PeerIdentity(value: "spiffe://elsewhere", source: .uri), remoteAddress: "t")
        let anonymous = RPCPeer(identity: nil, remoteAddress: "t")
        #expect(await authorizer.authorize(peer: operatorPeer, method: "/loom.v1.Loom/StartRun", metadata: [:]) == .allow)
        guard case .permissionDenied = await authorizer.authorize(peer: viewer, method: "/loom.v1.Loom/StartRun", metadata: [:]) else {
            Issue.record("viewer may not start runs"); return
        }
        guard case .permissionDenied = await authorizer.authorize(peer: stranger, method: "/loom.v1.Loom/GetRun", metadata: [:]) else {
            Issue.record("an identity without a role is denied"); return
        }
        guard case .unauthenticated = await authorizer.authorize(peer: anonymous, method: "/loom.v1.Loom/GetRun", metadata: [:]) else {
            Issue.record("no certificate is unauthenticated"); return
        }
    }

    @Test("every method of service Loom is known to the policy")
    func knownMethods() {
        #expect(AuthorizationPolicy.knownMethods.count == 27)
    }
}
