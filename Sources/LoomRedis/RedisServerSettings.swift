import Foundation

/// The server settings that decide whether Redis can be Loom's system of record.
///
/// Loom keeps every run in Redis: evicted keys or a restart without persistence lose
/// acknowledged work. ``warnings`` lists each risk in a sentence for the log.
public struct RedisServerSettings: Sendable, Hashable {
    /// `maxmemory-policy` (`noeviction` is the only safe value), `nil` when unreadable.
    public var maxmemoryPolicy: String?
    /// `appendonly` (`yes` or `no`), `nil` when unreadable.
    public var appendOnly: String?
    /// `appendfsync` (`always`, `everysec` or `no`), `nil` when unreadable.
    public var appendFsync: String?
    /// `save` (RDB snapshot schedule; empty means none), `nil` when unreadable.
    public var save: String?
    /// One sentence per risk found; empty when the settings are safe.
    public var warnings: [String]

    /// Derives the warnings from the raw settings.
    public init(maxmemoryPolicy: String?, appendOnly: String?, appendFsync: String?, save: String?) {
        self.maxmemoryPolicy = maxmemoryPolicy
        self.appendOnly = appendOnly
        self.appendFsync = appendFsync
        self.save = save
        var warnings: [String] = []
        if let policy = maxmemoryPolicy, policy != "noeviction" {
            warnings.append(
                "maxmemory-policy is \(policy): Redis may evict Loom's keys and lose runs; set maxmemory-policy noeviction")
        }
        let aofOn = appendOnly == "yes"
        let rdbOn = !(save ?? "").trimmingCharacters(in: .whitespaces).isEmpty
        if appendOnly != nil, save != nil, !aofOn, !rdbOn {
            warnings.append("persistence is off (appendonly no, no save schedule): a Redis restart loses every run; set appendonly yes")
        } else if appendOnly != nil, !aofOn {
            warnings.append(
                "appendonly is no: only RDB snapshots (save \(save ?? "?")) persist data; a crash loses everything since the last snapshot; set appendonly yes")
        } else if aofOn, appendFsync == "no" {
            warnings.append("appendfsync is no: the OS decides when to flush; a crash can lose many seconds of transitions; use everysec or always")
        }
        self.warnings = warnings
    }
}

extension RedisClient {
    /// Reads `maxmemory-policy`, `appendonly`, `appendfsync` and `save` with `CONFIG GET`.
    ///
    /// When `CONFIG` is refused (managed services often rename or forbid it), the values
    /// stay `nil` and a warning says the settings could not be checked.
    public func checkServerSettings() async throws -> RedisServerSettings {
        let names = ["maxmemory-policy", "appendonly", "appendfsync", "save"]
        var values: [String: String] = [:]
        var unreadable: [String] = []
        for name in names {
            do {
                let reply = try await self.send(RedisCommand("CONFIG", "GET", .string(name)))
                guard let pairs = reply.pairs else { throw RedisError(.protocolViolation, "CONFIG GET returned \(reply)") }
                for pair in pairs { if let key = pair.key.string { values[key] = pair.value.string ?? "" } }
            } catch let error as RedisError where error.code == .server {
                unreadable.append("\(name) (\(error.message))")
            }
        }
        var settings = RedisServerSettings(
            maxmemoryPolicy: values["maxmemory-policy"], appendOnly: values["appendonly"],
            appendFsync: values["appendfsync"], save: values["save"])
        if !unreadable.isEmpty {
            settings.warnings.append(
                "cannot read Redis settings \(unreadable.joined(separator: ", ")): make sure maxmemory-policy is noeviction and appendonly is yes")
        }
        return settings
    }
}
