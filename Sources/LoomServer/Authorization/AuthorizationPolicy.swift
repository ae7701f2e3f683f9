import Foundation
import LoomTLS

/// A role an authenticated peer can hold; each role allows a set of RPC methods.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Starts, cancels and retries runs, previews dry runs, approves manual steps.
    case `operator`
    /// Announces its migrations, submits candidates and reports step events — for the migrations it owns only.
    case migrator
    /// Reads migrations, candidates and runs.
    case viewer

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The methods of `service Loom` each role may call when the policy file does not override them.
    public var defaultMethods: Set<String> {
        let read: Set<String> = [
            "ListMigrations", "GetMigration", "ListCandidates", "ListRuns", "GetRun", "GetRunHistory", "WatchRun",
            "WatchMigration",
        ]
        switch self {
        case .viewer: return read
        case .operator:
            return read.union([
                "StartRun", "CancelRun", "RetryStep", "DryRun", "ReportStepEvent", "RecountMigration", "UpdateCandidateInputs",
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

    /// The rules in file order.
    public private(set) var rules: [Rule]
    /// The methods each role may call.
    public private(set) var methodsByRole: [Role: Set<String>]

    /// Creates a policy from rules, with each role's default methods unless overridden.
    public init(rules: [Rule], methodsByRole overrides: [Role: Set<String>] = [:]) {
        self.rules = rules
        var methods: [Role: Set<String>] = [:]
        for role in Role.allCases { methods[role] = overrides[role] ?? role.defaultMethods }
        self.methodsByRole = methods
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
