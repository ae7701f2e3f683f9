import Foundation
import LoomProto
import LoomTLS

/// Why a policy file could not be used. The server refuses to start with it.
public struct PolicyFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file that was read.
    public var path: String
    /// What is wrong, in words an operator can act on.
    public var reason: String

    public var description: String { "authorization policy \(path): \(reason)" }
}

extension AuthorizationPolicy {
    /// The largest policy file Loom reads.
    public static let maximumFileSize = 1 << 20

    /// Reads and validates a JSON policy file (see ``AuthorizationPolicy``).
    public static func load(contentsOf path: String) throws(PolicyFileError) -> AuthorizationPolicy {
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if let size = attributes[.size] as? Int, size > maximumFileSize {
                throw PolicyFileError(path: path, reason: "file is larger than \(maximumFileSize) bytes")
            }
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch let error as PolicyFileError {
            throw error
        } catch {
            throw PolicyFileError(path: path, reason: "cannot be read (\(error.localizedDescription))")
        }
        return try parse(data, path: path)
    }

    /// Parses and validates policy JSON; `path` only labels errors.
    public static func parse(_ data: Data, path: String = "<inline>") throws(PolicyFileError) -> AuthorizationPolicy {
        func fail(_ reason: String) -> PolicyFileError { PolicyFileError(path: path, reason: reason) }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw fail("is not valid JSON")
        }
        guard let root = object as? [String: Any] else { throw fail("top level must be a JSON object") }
        for key in root.keys where !["identities", "roles", "credentials"].contains(key) {
            throw fail("unknown key \"\(key)\" (expected \"identities\", optionally \"roles\" and \"credentials\")")
        }
        guard let entries = root["identities"] as? [Any] else { throw fail("\"identities\" must be an array of rules") }
        var rules: [Rule] = []
        for (index, entry) in entries.enumerated() {
            guard let fields = entry as? [String: Any] else { throw fail("identities[\(index)] must be an object") }
            let keys = fieldKeys.filter { fields[$0.key] != nil }
            guard keys.count == 1, let (key, kind) = keys.first else {
                throw fail("identities[\(index)] needs exactly one of \"uri\", \"dns\" or \"cn\"")
            }
            guard let pattern = fields[key] as? String, !pattern.isEmpty else {
                throw fail("identities[\(index)].\(key) must be a non-empty string")
            }
            for other in fields.keys where other != key && other != "roles" {
                throw fail("identities[\(index)] has unknown key \"\(other)\"")
            }
            guard let names = fields["roles"] as? [String], !names.isEmpty else {
                throw fail("identities[\(index)].roles must be a non-empty array of role names")
            }
            var roles: Set<Role> = []
            for name in names {
                guard let role = Role(rawValue: name) else {
                    throw fail("identities[\(index)] names unknown role \"\(name)\" (known: operator, migrator, viewer)")
                }
                roles.insert(role)
            }
            rules.append(Rule(kind: kind, pattern: pattern, roles: roles))
        }
        var overrides: [Role: Set<String>] = [:]
        if let roleObject = root["roles"] {
            guard let table = roleObject as? [String: Any] else { throw fail("\"roles\" must be an object") }
            for (name, value) in table {
                guard let role = Role(rawValue: name) else { throw fail("\"roles\" names unknown role \"\(name)\"") }
                guard let methods = value as? [String] else { throw fail("roles.\(name) must be an array of method names") }
                for method in methods where !knownMethods.contains(method) {
                    throw fail("roles.\(name) names unknown method \"\(method)\"")
                }
                overrides[role] = Set(methods)
            }
        }
        let credentials = try parseCredentials(root["credentials"], fail: fail)
        return AuthorizationPolicy(rules: rules, methodsByRole: overrides, credentials: credentials)
    }

    /// Parses `"credentials": [{"uri": "spiffe://…", "sha256": "<64 hex digits>"}, …]`: each
    /// entry names one identity (exactly one of `uri`, `dns`, `cn`, a literal value, no `*`) and
    /// the SHA-256 of its token. A hash may appear once only.
    private static func parseCredentials(
        _ value: Any?, fail: (String) -> PolicyFileError
    ) throws(PolicyFileError) -> [Credential] {
        guard let value else { return [] }
        guard let entries = value as? [Any] else { throw fail("\"credentials\" must be an array") }
        guard entries.count <= maximumCredentials else {
            throw fail("\"credentials\" has more than \(maximumCredentials) entries")
        }
        var credentials: [Credential] = []
        var digests: Set<[UInt8]> = []
        for (index, entry) in entries.enumerated() {
            guard let fields = entry as? [String: Any] else { throw fail("credentials[\(index)] must be an object") }
            let keys = fieldKeys.filter { fields[$0.key] != nil }
            guard keys.count == 1, let (key, kind) = keys.first else {
                throw fail("credentials[\(index)] needs exactly one of \"uri\", \"dns\" or \"cn\"")
            }
            guard let name = fields[key] as? String, !name.isEmpty, !name.contains("*"), name.utf8.count <= 1024 else {
                throw fail("credentials[\(index)].\(key) must be an identity (a non-empty string without \"*\", at most 1024 bytes)")
            }
            for other in fields.keys where other != key && other != "sha256" {
                throw fail("credentials[\(index)] has unknown key \"\(other)\"")
            }
            guard let hex = fields["sha256"] as? String, let digest = Self.sha256Digest(hex) else {
                throw fail("credentials[\(index)].sha256 must be the SHA-256 of the token as 64 hex digits (sha256sum)")
            }
            guard digests.insert(digest).inserted else {
                throw fail("credentials[\(index)].sha256 repeats an earlier credential's token")
            }
            credentials.append(Credential(identity: PeerIdentity(value: name, source: kind), tokenSHA256: digest))
        }
        return credentials
    }

    /// The most credentials a policy file may declare.
    public static let maximumCredentials = 10_000

    private static func sha256Digest(_ hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var index = 0
        while index < 64 {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Every method of `service Loom` (from the protobuf-c service descriptor), for validating policy files.
    public static var knownMethods: Set<String> {
        Set(LoomMethod.allCases.map(\.name))
    }
}

/// The policy file's key for each identity source, in the order Loom prefers them.
private let fieldKeys: [(key: String, source: PeerIdentity.Source)] = [("uri", .uri), ("dns", .dns), ("cn", .commonName)]
