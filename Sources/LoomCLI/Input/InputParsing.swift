import Foundation

/// Parsing of command-line values: `--input key=value` pairs and `--server host:port` addresses.
public enum InputParsing {
    /// Parses repeated `key=value` options into a map. The value may be empty and may contain `=`; the key must be
    /// non-empty, and a key given twice is an error (rather than silently keeping one of the values).
    public static func inputs(_ pairs: [String]) throws(CLIError) -> [String: String] {
        try keyValues(pairs, option: "--input")
    }

    /// Parses repeated `key=value` options of `option` into a map (see ``inputs(_:)``).
    public static func keyValues(_ pairs: [String], option: String) throws(CLIError) -> [String: String] {
        var result: [String: String] = [:]
        for pair in pairs {
            guard let separator = pair.firstIndex(of: "=") else {
                throw .usage("\(option) \"\(pair)\" is not key=value")
            }
            let key = String(pair[..<separator])
            let value = String(pair[pair.index(after: separator)...])
            guard !key.isEmpty else { throw .usage("\(option) \"\(pair)\" has an empty key") }
            guard result[key] == nil else { throw .usage("\(option) \(key) is given more than once") }
            result[key] = value
        }
        return result
    }

    /// Parses a time: unix milliseconds, or RFC 3339 (`2026-12-01T10:00:00Z`, fractional seconds allowed).
    public static func timestamp(_ text: String, option: String) throws(CLIError) -> Int64 {
        if let milliseconds = Int64(text), milliseconds > 0 { return milliseconds }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        throw .usage("\(option) \"\(text)\" is not a time (RFC 3339 such as 2026-12-01T10:00:00Z, or unix milliseconds)")
    }

    /// A server address: `host:port`, `[ipv6]:port`, or a bare host (port 7443).
    public struct ServerAddress: Hashable, Sendable {
        /// Host name or IP address (IPv6 without brackets).
        public var host: String
        /// TCP port.
        public var port: Int
    }

    /// The default port of a Loom RPC server.
    public static let defaultPort = 7443

    /// Parses `--server`.
    public static func serverAddress(_ text: String) throws(CLIError) -> ServerAddress {
        let invalid = CLIError.usage("--server \"\(text)\" is not host:port")
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw invalid }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw invalid }
                portText = rest.dropFirst()
            }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else if text.contains(":") {
            // A bare IPv6 address, without a port.
            host = Substring(text)
        } else {
            host = Substring(text)
        }
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "/" }) else { throw invalid }
        var port = defaultPort
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw .usage("--server \"\(text)\": port must be 1-65535")
            }
            port = value
        }
        return ServerAddress(host: String(host), port: port)
    }
}
