/// The one error type of LoomRedis: a server error reply, a protocol violation,
/// a connection problem, a timeout or a bad configuration.
///
/// ``code`` says which; ``message`` is human-readable and, for ``Code/server``
/// and ``Code/authentication``, carries the server's own text (for example
/// `WRONGTYPE Operation against a key holding the wrong kind of value`).
/// Messages never contain passwords.
public struct RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is. New kinds may be added without breaking callers.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case server, authentication, protocolViolation, connectionClosed, connectFailed
            case timeout, invalidURL, unsupported, noScript, transactionAborted, poolShutdown
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The server answered with an error reply (`-ERR`, `-WRONGTYPE`, `-MOVED`, …).
        public static let server = Code(.server)
        /// The server rejected the credentials (`WRONGPASS`, `NOAUTH`, `NOPERM` during the handshake).
        public static let authentication = Code(.authentication)
        /// The peer sent bytes that are not valid RESP, or a reply that does not fit the request.
        public static let protocolViolation = Code(.protocolViolation)
        /// The connection closed before the reply arrived (commands in flight fail with this).
        public static let connectionClosed = Code(.connectionClosed)
        /// The TCP/unix-socket/TLS connection could not be established.
        public static let connectFailed = Code(.connectFailed)
        /// No reply within the command (or connect) timeout.
        public static let timeout = Code(.timeout)
        /// The connection URL is malformed.
        public static let invalidURL = Code(.invalidURL)
        /// A feature the configuration does not provide (for example `rediss://` without a TLS provider).
        public static let unsupported = Code(.unsupported)
        /// `EVALSHA` named a script the server does not know (handled by ``RedisScript`` itself).
        public static let noScript = Code(.noScript)
        /// `EXEC` returned null: a watched key changed, or the transaction was discarded.
        public static let transactionAborted = Code(.transactionAborted)
        /// The pool was shut down.
        public static let poolShutdown = Code(.poolShutdown)

        /// The code's name, e.g. `server`.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// Human-readable detail; the server's text for server errors.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Creates the error for a server error reply, recognising `NOSCRIPT` and the authentication prefixes.
    public static func serverReply(_ text: String) -> RedisError {
        let prefix = text.prefix { $0 != " " }
        switch prefix {
        case "NOSCRIPT": return RedisError(.noScript, text)
        case "WRONGPASS", "NOAUTH": return RedisError(.authentication, text)
        default: return RedisError(.server, text)
        }
    }

    /// For errors that came from the server: the first word of its text (`ERR`, `WRONGTYPE`, `MOVED`, …).
    public var serverPrefix: String? {
        guard code == .server || code == .authentication || code == .noScript else { return nil }
        let prefix = message.prefix { $0 != " " }
        return prefix.isEmpty ? nil : String(prefix)
    }

    /// `redis <code>: <message>`.
    public var description: String { "redis \(code): \(message)" }
}
