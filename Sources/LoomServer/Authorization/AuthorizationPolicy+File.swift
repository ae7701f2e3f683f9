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
        for key in root.keys where key != "identities" && key != "roles" {
            throw fail("unknown key \"\(key)\" (expected \"identities\" and optionally \"roles\")")
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
        return AuthorizationPolicy(rules: rules, methodsByRole: overrides)
    }

    /// Every method of `service Loom` (from the protobuf-c service descriptor), for validating policy files.
    public static var knownMethods: Set<String> {
        Set(LoomMethod.allCases.map(\.name))
    }
}

/// The policy file's key for each identity source, in the order Loom prefers them.
private let fieldKeys: [(key: String, source: PeerIdentity.Source)] = [("uri", .uri), ("dns", .dns), ("cn", .commonName)]
