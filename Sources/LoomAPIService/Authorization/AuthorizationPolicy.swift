import Foundation
import LoomCore
import LoomTLS

/// A role an authenticated peer can hold; each role allows a set of RPC methods.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Starts, cancels and retries runs, previews dry runs, approves manual steps; creates, pauses,
    /// resumes, changes and cancels campaigns.
    case `operator`
    /// Announces its migrations, submits candidates and reports step events — for the migrations it owns only.
    case migrator
    /// Reads migrations, candidates, runs and campaigns.
    case viewer

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The methods of `service Loom` each role may call when the policy file does not override them.
    public var defaultMethods: Set<String> {
        let read: Set<String> = [
            "ListMigrations", "GetMigration", "ListCandidates", "ListRuns", "GetRun", "GetRunHistory", "WatchRun",
            "WatchMigration", "GetCampaign", "ListCampaigns", "ListCampaignMembers", "GetCampaignHistory",
            "WatchCampaign",
        ]
        switch self {
        case .viewer: return read
        case .operator:
            return read.union([
                "StartRun", "CancelRun", "RetryStep", "DryRun", "ReportStepEvent", "RecountMigration", "UpdateCandidateInputs",
                // Campaigns: separate methods, so a policy can grant single runs and not campaigns.
                "CreateCampaign", "PauseCampaign", "ResumeCampaign", "UpdateCampaign", "CancelCampaign",
            ])
        case .migrator: return ["Announce", "SubmitCandidates", "ReportStepEvent", "GetMigration", "ListCandidates", "GetRun"]
        }
    }
}

/// Maps authenticated identities to roles, and roles to the RPC methods they may call.
///
/// The policy file is JSON:
///
/// ```json
/// {
///   "identities": [
///     { "uri": "spiffe://loom.dev/operator/*", "roles": ["operator"] },
///     { "dns": "*.viewers.internal",           "roles": ["viewer"] },
///     { "cn":  "example-migrator",              "roles": ["migrator"] }
///   ],
///   "roles": { "viewer": ["ListMigrations", "GetMigration"] }
/// }
/// ```
///
/// Patterns match the whole identity; `*` matches any run of characters (including none).
/// An identity matching several rules gets the union of their roles. `roles` is optional and
/// replaces the default method set of the roles it names (see ``Role/defaultMethods``).
public struct AuthorizationPolicy: Sendable, Equatable {
    /// One rule of the policy: identities matching `pattern` (of `kind`) get `roles`.
    public struct Rule: Sendable, Equatable {
        /// The certificate field the pattern applies to.
        public var kind: PeerIdentity.Source
        /// A glob where `*` matches any run of characters.
        public var pattern: String
        /// The roles granted.
        public var roles: Set<Role>

        /// Creates a rule.
        public init(kind: PeerIdentity.Source, pattern: String, roles: Set<Role>) {
            self.kind = kind
            self.pattern = pattern
            self.roles = roles
        }
    }

    /// A bearer credential a migrator presents on the REST shim (`Authorization: Bearer <token>`
    /// on announce and candidate submission) instead of a client certificate.
    ///
    /// Only the SHA-256 of the token is kept (the policy file never holds the token itself).
    /// The caller then acts as `identity`: it gets that identity's roles from the rules and
    /// owns the migrations it announces under that name, exactly as the same identity over mTLS.
    public struct Credential: Sendable, Equatable {
        /// The identity the bearer acts as.
        public var identity: PeerIdentity
        /// SHA-256 of the token, 32 bytes.
        public var tokenSHA256: [UInt8]

        /// Creates a credential.
        public init(identity: PeerIdentity, tokenSHA256: [UInt8]) {
            self.identity = identity
            self.tokenSHA256 = tokenSHA256
        }
    }

    /// The rules in file order.
    public private(set) var rules: [Rule]
    /// The methods each role may call.
    public private(set) var methodsByRole: [Role: Set<String>]
    /// The shim bearer credentials, in file order.
    public private(set) var credentials: [Credential]

    /// Creates a policy from rules, with each role's default methods unless overridden.
    public init(rules: [Rule], methodsByRole overrides: [Role: Set<String>] = [:], credentials: [Credential] = []) {
        self.rules = rules
        var methods: [Role: Set<String>] = [:]
        for role in Role.allCases { methods[role] = overrides[role] ?? role.defaultMethods }
        self.methodsByRole = methods
        self.credentials = credentials
    }

    /// The identity whose shim credential `token` is, or `nil`.
    ///
    /// Compares the token's SHA-256 with every credential in constant time (no early exit), so
    /// the time taken says nothing about which credential, if any, came close.
    public func identity(presenting token: String) -> PeerIdentity? {
        let digest = SHA256.hash(Array(token.utf8))
        var found: PeerIdentity?
        for credential in credentials {
            let matches = HMACSHA256.constantTimeEquals(credential.tokenSHA256, digest)
            if matches, found == nil { found = credential.identity }
        }
        return found
    }

    /// The roles an identity holds under this policy (empty when no rule matches).
    public func roles(of identity: PeerIdentity) -> Set<Role> {
        var roles: Set<Role> = []
        for rule in rules where rule.kind == identity.source && Self.glob(rule.pattern, matches: identity.value) {
            roles.formUnion(rule.roles)
        }
        return roles
    }

    /// Whether any of `roles` may call `method` (the bare method name, e.g. `StartRun`).
    public func allows(_ roles: Set<Role>, toCall method: String) -> Bool {
        roles.contains { methodsByRole[$0]?.contains(method) == true }
    }

    /// Matches `text` against a glob where `*` matches any run of characters.
    static func glob(_ pattern: String, matches text: String) -> Bool {
        let p = Array(pattern.utf8), t = Array(text.utf8)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == UInt8(ascii: "*") {
                star = pi; mark = ti; pi += 1
            } else if pi < p.count, p[pi] == t[ti] {
                pi += 1; ti += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}
