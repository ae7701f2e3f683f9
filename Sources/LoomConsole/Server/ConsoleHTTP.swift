import Foundation
import LoomTLS
import NIOHTTP1

/// One request to the console, as the router sees it.
public struct ConsoleRequest: Sendable {
    /// The HTTP method.
    public var method: HTTPMethod
    /// The request target (path and query).
    public var uri: String
    /// The request headers.
    public var headers: HTTPHeaders
    /// The TCP peer's address (`nil` for a Unix socket or when unknown).
    public var peerAddress: IPAddress?
    /// The verified TLS client certificate's identity, if any.
    public var peerIdentity: PeerIdentity?
    /// The body (a POST's form; empty otherwise).
    public var body: [UInt8]

    /// Creates a request.
    public init(
        method: HTTPMethod, uri: String, headers: HTTPHeaders = [:], peerAddress: IPAddress? = nil, peerIdentity: PeerIdentity? = nil,
        body: [UInt8] = []
    ) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.peerAddress = peerAddress
        self.peerIdentity = peerIdentity
        self.body = body
    }

    /// The body's `application/x-www-form-urlencoded` fields (the last value of a repeated name wins).
    var form: [String: String] {
        Self.parameters(String(decoding: body, as: UTF8.self)[...])
    }

    /// The path, percent-decoded segment by segment (`nil` segments when one does not decode).
    var pathSegments: [String]? {
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        var segments: [String] = []
        for raw in path.split(separator: "/", omittingEmptySubsequences: true) {
            guard let decoded = String(raw).removingPercentEncoding else { return nil }
            segments.append(decoded)
        }
        return segments
    }

    /// The query's parameters (the last value of a repeated name wins); `+` is a space.
    var query: [String: String] {
        guard let mark = uri.firstIndex(of: "?") else { return [:] }
        return Self.parameters(uri[uri.index(after: mark)...])
    }

    private static func parameters(_ text: Substring) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            guard let name = decode(parts[0]), let value = parts.count > 1 ? decode(parts[1]) : "" else { continue }
            result[name] = value
        }
        return result
    }

    /// Whether the caller prefers HTML (a browser) to JSON for errors.
    var wantsHTML: Bool {
        headers[canonicalForm: "accept"].contains { $0.lowercased().hasPrefix("text/html") }
    }
}

/// A response of the console: a whole body, or a stream of Server-Sent Events.
public struct ConsoleResponse: Sendable {
    /// What is sent after the head.
    public enum Body: Sendable {
        /// A complete body.
        case bytes([UInt8])
        /// Event-stream chunks, written as they come; `release` is called once the stream ends for any reason.
        case events(AsyncThrowingStream<String, any Error>, release: @Sendable () -> Void)
    }

    /// The status.
    public var status: HTTPResponseStatus
    /// The headers (the security headers are added by the router to every response).
    public var headers: HTTPHeaders
    /// The body.
    public var body: Body

    /// Creates a response.
    public init(status: HTTPResponseStatus, headers: HTTPHeaders, body: Body) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// An HTML page.
    public static func html(_ page: String, status: HTTPResponseStatus = .ok) -> Self {
        .init(status: status, headers: ["content-type": "text/html; charset=utf-8", "cache-control": "no-store"], body: .bytes(Array(page.utf8)))
    }

    /// A JSON error body, `{"error": message}`.
    public static func jsonError(_ status: HTTPResponseStatus, _ message: String) -> Self {
        let data = (try? JSONSerialization.data(withJSONObject: ["error": message], options: [.sortedKeys])) ?? Data("{}".utf8)
        return .init(status: status, headers: ["content-type": "application/json", "cache-control": "no-store"], body: .bytes(Array(data)))
    }

    /// The body's bytes, for whole bodies (empty for a stream).
    public var bodyBytes: [UInt8] {
        if case .bytes(let bytes) = body { return bytes }
        return []
    }

    /// The body as UTF-8 text, for whole bodies.
    public var bodyText: String { String(decoding: bodyBytes, as: UTF8.self) }

    /// The headers every console response carries: a strict Content-Security-Policy (script and style
    /// only from the console itself, no inline code, no framing), no MIME sniffing, no referrer.
    public static let securityHeaders: [(String, String)] = [
        (
            "content-security-policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
                + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        ),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-resource-policy", "same-origin"),
    ]
}
