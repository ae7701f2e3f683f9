/// A failed call from Loom to a migrator.
///
/// `code` says what kind of failure it was; for `unexpectedStatus` the status and a short, printable excerpt of
/// the response body are kept so logs and step history can say what the migrator answered.
public struct MigratorClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Kinds of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidURL, connectFailed, connectTimeout, requestTimeout, connectionClosed
            case unexpectedStatus, invalidResponse, responseTooLarge, tlsFailed
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The migrator URL is not a valid `http`/`https` URL.
        public static let invalidURL = Self(.invalidURL)
        /// The TCP connection could not be made.
        public static let connectFailed = Self(.connectFailed)
        /// The connection was not made within the connect timeout.
        public static let connectTimeout = Self(.connectTimeout)
        /// No complete response within the request timeout.
        public static let requestTimeout = Self(.requestTimeout)
        /// The connection closed before a complete response.
        public static let connectionClosed = Self(.connectionClosed)
        /// The migrator answered with a status that is not success for this call (redirects included).
        public static let unexpectedStatus = Self(.unexpectedStatus)
        /// The response body is not what the call expects (for example not a `DryRunResult`).
        public static let invalidResponse = Self(.invalidResponse)
        /// The response body exceeds the configured limit.
        public static let responseTooLarge = Self(.responseTooLarge)
        /// TLS could not be set up or the handshake failed (including hostname verification).
        public static let tlsFailed = Self(.tlsFailed)

        /// The code's name.
        public var description: String { self.base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A human message (no secrets; body excerpts are bounded).
    public var message: String
    /// The HTTP status, for `unexpectedStatus`.
    public var statusCode: Int?
    /// Up to ``excerptLimit`` printable characters of the response body, for `unexpectedStatus` and `invalidResponse`.
    public var bodyExcerpt: String?

    /// The longest body excerpt kept.
    public static let excerptLimit = 256

    /// Creates an error.
    public init(code: Code, message: String, statusCode: Int? = nil, bodyExcerpt: String? = nil) {
        self.code = code
        self.message = message
        self.statusCode = statusCode
        self.bodyExcerpt = bodyExcerpt
    }

    static func invalidURL(_ url: String) -> Self {
        Self(code: .invalidURL, message: "invalid migrator URL \"\(url.prefix(200))\"")
    }

    static func unexpectedStatus(_ status: Int, body: [UInt8], call: String) -> Self {
        Self(
            code: .unexpectedStatus,
            message: "\(call): migrator answered HTTP \(status)",
            statusCode: status,
            bodyExcerpt: excerpt(body)
        )
    }

    /// The first ``excerptLimit`` characters of `body` with control characters replaced by spaces.
    static func excerpt(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(excerptLimit * 4), as: UTF8.self)
        return String(
            text.prefix(excerptLimit).map { $0.isASCII && ($0.asciiValue! < 0x20 || $0.asciiValue! == 0x7F) ? " " : $0 }
        )
    }

    /// `code: message (status, excerpt)`.
    public var description: String {
        var text = "\(self.code): \(self.message)"
        if let bodyExcerpt, !bodyExcerpt.isEmpty {
            text += " — body: \(bodyExcerpt)"
        }
        return text
    }
}
