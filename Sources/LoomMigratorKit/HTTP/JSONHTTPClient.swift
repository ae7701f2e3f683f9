// LoomMigratorKit's HTTP primitives, part 2: a one-shot HTTP/1.1 JSON client.
//
// Generic on purpose and shared: migrators post callbacks and announces with it, and `loomctl migrator
// check` calls the migrator under test with it. The public names (`JSONHTTPClient`, `JSONHTTPClientError`)
// are stable.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import LoomTLS
import NIOCore
import NIOHTTP1
import NIOPosix

/// Why a request got no HTTP answer.
public enum JSONHTTPClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The URL is not an absolute `http://` or `https://` URL with a host (never retried).
    case invalidURL(String)
    /// Connecting failed (refused, unreachable, TLS handshake), or the connection closed before a whole answer.
    case connectionFailed(String)
    /// No whole answer within the timeout.
    case timedOut
    /// The answer's body is over ``JSONHTTPClient/maximumResponseSize``.
    case responseTooLarge(Int)

    /// A one-line description, without secrets (headers and bodies are never included).
    public var description: String {
        switch self {
        case .invalidURL(let url): "invalid URL \"\(url.prefix(200))\""
        case .connectionFailed(let reason): "connection failed: \(reason)"
        case .timedOut: "timed out"
        case .responseTooLarge(let limit): "response body over \(limit) bytes"
        }
    }
}

/// A small HTTP/1.1 client: one request per connection, JSON in and out, bounded by a timeout.
///
/// `https://` URLs are called over TLS with ``tls`` (the client certificate in it, if any, authenticates the
/// caller), checking the server certificate for the URL's host. Redirects are not followed.
public struct JSONHTTPClient: Sendable {
    /// An HTTP answer.
    public struct Response: Sendable {
        /// The status code.
        public var status: Int
        /// The response headers.
        public var headers: HTTPHeaders
        /// The body bytes.
        public var body: [UInt8]

        /// Creates a response.
        public init(status: Int, headers: HTTPHeaders = [:], body: [UInt8] = []) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        /// The body as text, cut to `limit` characters (for messages and logs).
        public func bodyExcerpt(limit: Int = 200) -> String {
            String(decoding: body.prefix(limit), as: UTF8.self)
        }
    }

    /// The client TLS context used for `https://` URLs; `nil` uses the system trust and no client certificate.
    public var tls: TLSContext?
    /// The largest response body read; bigger answers fail with ``JSONHTTPClientError/responseTooLarge(_:)``.
    public var maximumResponseSize: Int
    private let group: any EventLoopGroup
    private let logger: Logger

    /// Creates a client.
    public init(
        tls: TLSContext? = nil, maximumResponseSize: Int = 4 << 20,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger = Logger(label: "loom.http-client")
    ) {
        self.tls = tls
        self.maximumResponseSize = maximumResponseSize
        self.group = group
        self.logger = logger
    }

    /// POSTs `value` encoded with ``JSONCoding`` (see ``post(_:headers:body:timeout:)``).
    public func post(
        _ url: String, headers: [(String, String)] = [], json value: some Encodable, timeout: Duration
    ) async throws(JSONHTTPClientError) -> Response {
        try await post(url, headers: headers, body: JSONCoding.encode(value), timeout: timeout)
    }

    /// POSTs `body` with `Content-Type: application/json` and `headers` to `url`, and returns the answer,
    /// whatever its status.
    /// - Parameter timeout: Bounds the whole request, connecting included (connecting alone at most 5 s).
    /// - Throws: ``JSONHTTPClientError`` when there is no answer.
    public func post(
        _ url: String, headers: [(String, String)] = [], body: [UInt8], timeout: Duration
    ) async throws(JSONHTTPClientError) -> Response {
        try await send(.POST, url, headers: headers, body: body, timeout: timeout)
    }

    /// Sends one request with `method` (a JSON `body` unless it is `nil`) and returns the answer, whatever
    /// its status; as ``post(_:headers:body:timeout:)`` otherwise.
    public func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: [UInt8]?, timeout: Duration
    ) async throws(JSONHTTPClientError) -> Response {
        let target = try Target(url)
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: target.pathAndQuery)
        head.headers.add(name: "host", value: target.hostHeader)
        if body != nil { head.headers.add(name: "content-type", value: "application/json") }
        head.headers.add(name: "accept", value: "application/json")
        if let body { head.headers.add(name: "content-length", value: String(body.count)) }
        head.headers.add(name: "connection", value: "close")
        for (name, value) in headers { head.headers.replaceOrAdd(name: name, value: value) }
        let tlsContext: TLSContext?
        if target.secure {
            if let tls { tlsContext = tls } else {
                do { tlsContext = try TLSContext.client(.defaults { _ in }) } catch {
                    throw .connectionFailed("TLS: \(error)")
                }
            }
        } else {
            tlsContext = nil
        }
        let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        let timeAmount = TimeAmount.nanoseconds(max(nanoseconds, 1))
        do {
            return try await Self.exchange(
                target: target, head: head, body: body, tls: tlsContext, timeout: timeAmount,
                maximumResponseSize: maximumResponseSize, group: group, logger: logger)
        } catch let error as JSONHTTPClientError {
            throw error
        } catch {
            throw .connectionFailed("\(error)")
        }
    }

    private static func exchange(
        target: Target, head: HTTPRequestHead, body: [UInt8]?, tls: TLSContext?, timeout: TimeAmount,
        maximumResponseSize: Int, group: any EventLoopGroup, logger: Logger
    ) async throws -> Response {
        let loop = group.next()
        let promise = loop.makePromise(of: Response.self)
        let timer = loop.scheduleTask(in: timeout) { promise.fail(JSONHTTPClientError.timedOut) }
        let connect = ClientBootstrap(group: loop)
            .connectTimeout(min(timeout, .seconds(5)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let tls { try sync.addTLSClientHandlers(context: tls, serverHostname: target.host, logger: logger) }
                    try sync.addHTTPClientHandlers()
                    try sync.addHandler(ResponseCollector(promise: promise, limit: maximumResponseSize))
                }
            }
            .connect(host: target.host, port: target.port)
        connect.whenFailure { promise.fail(JSONHTTPClientError.connectionFailed("\($0)")) }
        connect.whenSuccess { channel in
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(channel.allocator.buffer(bytes: body))), promise: nil) }
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        return try await promise.futureResult.get()
    }

    /// `segment` percent-encoded for one path segment: everything but `A-Z a-z 0-9 - . _ ~` is escaped,
    /// `/` included (`acme/billing` → `acme%2Fbilling`).
    public static func escapePathSegment(_ segment: String) -> String {
        var escaped = ""
        for byte in segment.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                escaped.unicodeScalars.append("%")
                escaped.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                escaped.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0xF)]))
            }
        }
        return escaped
    }

    /// The parts of a URL the client needs.
    struct Target {
        var secure: Bool
        var host: String
        var port: Int
        var pathAndQuery: String
        var hostHeader: String

        init(_ string: String) throws(JSONHTTPClientError) {
            guard let components = URLComponents(string: string), let scheme = components.scheme?.lowercased(),
                scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
            else { throw .invalidURL(string) }
            secure = scheme == "https"
            // IPv6 literals come bracketed in some Foundation versions.
            self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
            port = components.port ?? (secure ? 443 : 80)
            let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
            pathAndQuery = components.percentEncodedQuery.map { "\(path)?\($0)" } ?? path
            let bracketed = self.host.contains(":") ? "[\(self.host)]" : self.host
            hostHeader = components.port.map { "\(bracketed):\($0)" } ?? bracketed
        }
    }
}

/// Collects one response and completes the promise with it.
private final class ResponseCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<JSONHTTPClient.Response>
    private let limit: Int
    private var head: HTTPResponseHead?
    private var body: [UInt8] = []

    init(promise: EventLoopPromise<JSONHTTPClient.Response>, limit: Int) {
        self.promise = promise
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body(let chunk):
            guard body.count + chunk.readableBytes <= limit else {
                promise.fail(JSONHTTPClientError.responseTooLarge(limit))
                context.close(promise: nil)
                return
            }
            body.append(contentsOf: chunk.readableBytesView)
        case .end:
            guard let head else { return }
            promise.succeed(JSONHTTPClient.Response(status: Int(head.status.code), headers: head.headers, body: body))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(JSONHTTPClientError.connectionFailed("connection closed before a whole answer"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(JSONHTTPClientError.connectionFailed("\(error)"))
        context.close(promise: nil)
    }
}
