import LoomMigratorKit
import LoomTLS
import NIOCore
import NIOHTTP1

/// One complete HTTP request as the shim's routing layer sees it: no NIO channel, no socket.
public struct ShimRequest: Sendable {
    /// Request method.
    public var method: HTTPMethod
    /// Request target as sent (path and optional query).
    public var uri: String
    /// Request headers.
    public var headers: HTTPHeaders
    /// The whole body (bounded by the configured limit).
    public var body: ByteBuffer
    /// Identity from the caller's verified TLS client certificate, if any.
    public var peerIdentity: PeerIdentity?

    /// Creates a request.
    public init(method: HTTPMethod, uri: String, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer(), peerIdentity: PeerIdentity? = nil) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
        self.peerIdentity = peerIdentity
    }

    /// The path part of ``uri`` (without query or fragment).
    public var path: Substring {
        let end = self.uri.firstIndex(where: { $0 == "?" || $0 == "#" }) ?? self.uri.endIndex
        return self.uri[..<end]
    }

    /// The bearer token of the `Authorization` header, if present and well-formed.
    public var bearerToken: String? {
        guard let value = self.headers.first(name: "authorization") else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingSpaces()
        return token.isEmpty ? nil : String(token)
    }
}

/// One complete HTTP response produced by the routing layer.
public struct ShimResponse: Sendable, Equatable {
    /// Status.
    public var status: HTTPResponseStatus
    /// Headers besides `Content-Length` and `Connection`, which the connection handler sets.
    public var headers: HTTPHeaders
    /// Body bytes (empty for 204/202 without body).
    public var body: ByteBuffer

    /// Creates a response.
    public init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response with a JSON body.
    public static func json(_ status: HTTPResponseStatus, _ value: some Encodable, headers: HTTPHeaders = [:]) -> Self {
        var headers = headers
        headers.replaceOrAdd(name: "content-type", value: "application/json")
        return Self(status: status, headers: headers, body: ByteBuffer(bytes: JSONCoding.encode(value)))
    }

    /// A `{"error": message}` response.
    public static func error(_ status: HTTPResponseStatus, _ message: String, headers: HTTPHeaders = [:]) -> Self {
        .json(status, ReferenceJSON.ErrorResponse(error: message), headers: headers)
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
}
