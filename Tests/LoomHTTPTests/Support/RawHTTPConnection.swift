import LoomTLS
import NIOCore
import NIOPosix

/// A raw TCP client for live shim tests: writes arbitrary bytes and parses whatever responses come back.
struct RawHTTPConnection {
    struct Response {
        var status: Int
        var headers: [(String, String)]
        var body: String

        func header(_ name: String) -> String? {
            self.headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    var buffer: [UInt8] = []
    var eof = false

    /// Connects to 127.0.0.1:`port` and runs `body` with the connection, closing it afterwards.
    /// With `tls`, the connection is HTTPS and the server certificate must name `localhost`.
    static func with<R: Sendable>(
        port: Int,
        group: any EventLoopGroup,
        tls: TLSContext? = nil,
        _ body: (inout RawHTTPConnection) async throws -> R
    ) async throws -> R {
        let host = tls == nil ? "127.0.0.1" : "localhost"
        let channel = try await ClientBootstrap(group: group).connect(host: host, port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                if let tls {
                    try channel.pipeline.syncOperations.addTLSClientHandlers(context: tls, serverHostname: "localhost")
                }
                return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
        return try await channel.executeThenClose { inbound, outbound in
            var connection = RawHTTPConnection(outbound: outbound, iterator: inbound.makeAsyncIterator())
            return try await body(&connection)
        }
    }

    func send(_ text: String) async throws {
        try await self.outbound.write(ByteBuffer(string: text))
    }

    func send(bytes: [UInt8]) async throws {
        try await self.outbound.write(ByteBuffer(bytes: bytes))
    }

    /// Reads until `count` complete responses are parsed (or the peer closes).
    mutating func readResponses(_ count: Int) async throws -> [Response] {
        var responses: [Response] = []
        while responses.count < count {
            if let response = self.parseOne() {
                responses.append(response)
                continue
            }
            guard try await self.fill() else { break }
        }
        return responses
    }

    /// Reads responses until the peer closes the connection.
    mutating func readUntilClosed() async throws -> [Response] {
        while try await self.fill() {}
        var responses: [Response] = []
        while let response = self.parseOne() {
            responses.append(response)
        }
        return responses
    }

    /// Whether the peer has closed (reads until EOF).
    mutating func waitForClose() async throws {
        while try await self.fill() {}
    }

    private mutating func fill() async throws -> Bool {
        guard !self.eof else { return false }
        do {
            if var chunk = try await self.iterator.next() {
                self.buffer += chunk.readBytes(length: chunk.readableBytes) ?? []
                return true
            }
        } catch {
            // A reset by the peer counts as a close.
        }
        self.eof = true
        return false
    }

    private mutating func parseOne() -> Response? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let headEnd = self.buffer.firstRange(of: separator) else { return nil }
        let headText = String(decoding: self.buffer[..<headEnd.lowerBound], as: UTF8.self)
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst().split(separator: " ")
        let status = Int(statusLine.dropFirst().first ?? "") ?? -1
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingSpace())
        }
        let length = headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) } ?? 0
        let bodyStart = headEnd.upperBound
        guard self.buffer.count - bodyStart >= length else { return nil }
        let body = String(decoding: self.buffer[bodyStart..<bodyStart + length], as: UTF8.self)
        self.buffer.removeFirst(bodyStart + length)
        return Response(status: status, headers: headers, body: body)
    }
}

extension Substring {
    fileprivate func trimmingSpace() -> String {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}

extension String {
    /// An HTTP/1.1 POST with a JSON body, as text.
    static func post(_ path: String, _ body: String, headers: [String] = [], keepAlive: Bool = true) -> String {
        var text = "POST \(path) HTTP/1.1\r\nHost: loom\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
        for header in headers { text += header + "\r\n" }
        if !keepAlive { text += "Connection: close\r\n" }
        return text + "\r\n" + body
    }

    /// An HTTP/1.1 GET, as text.
    static func get(_ path: String) -> String {
        "GET \(path) HTTP/1.1\r\nHost: loom\r\n\r\n"
    }
}
