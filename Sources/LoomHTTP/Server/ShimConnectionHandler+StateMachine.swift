import NIOCore
import NIOHTTP1

extension ShimConnectionHandler {
    /// The per-connection request lifecycle, free of NIO side effects: the handler feeds it events and carries
    /// out the returned actions.
    ///
    /// The pipelining helper in front of the handler delivers one request at a time, so at most one request is
    /// being received or processed; later pipelined requests wait in that helper, which keeps responses in order.
    struct StateMachine {
        enum State {
            /// Waiting for the next request head.
            case idle
            /// Collecting the body of a request.
            case receiving(head: HTTPRequestHead, body: ByteBuffer)
            /// A request is being handled; `id` tells its response from a stale one.
            case processing(id: UInt64, keepAlive: Bool)
            /// An error response was sent early; the rest of the request is dropped and the connection closes.
            case discarding
            /// The connection is closed or closing; everything is ignored.
            case closed
        }

        /// What the handler must do after an event.
        enum Action: Equatable {
            /// Nothing.
            case none
            /// Hand the complete request to the router; its response must carry `id`.
            case dispatch(id: UInt64, head: HTTPRequestHead, body: ByteBuffer)
            /// Write the response; close the connection after it when `close`.
            case write(ShimResponse, close: Bool)
            /// Close without writing anything.
            case close
        }

        private(set) var state: State = .idle
        private var nextRequestID: UInt64 = 0
        let maxBodySize: Int

        init(maxBodySize: Int) {
            self.maxBodySize = maxBodySize
        }

        mutating func receivedHead(_ head: HTTPRequestHead) -> Action {
            switch self.state {
            case .idle:
                if let length = head.headers.first(name: "content-length").flatMap({ Int($0) }), length > self.maxBodySize {
                    self.state = .discarding
                    return .write(Self.tooLarge(self.maxBodySize), close: true)
                }
                self.state = .receiving(head: head, body: ByteBuffer())
                return .none
            case .discarding, .closed:
                return .none
            case .receiving, .processing:
                // The pipelining handler never delivers a head while a request is open.
                preconditionFailure("request head received in state \(self.state)")
            }
        }

        mutating func receivedBody(_ part: ByteBuffer) -> Action {
            switch self.state {
            case .receiving(let head, var body):
                guard body.readableBytes + part.readableBytes <= self.maxBodySize else {
                    self.state = .discarding
                    return .write(Self.tooLarge(self.maxBodySize), close: true)
                }
                // Avoid a copy-on-write of the body while it is mutated.
                self.state = .closed
                var part = part
                body.writeBuffer(&part)
                self.state = .receiving(head: head, body: body)
                return .none
            case .discarding, .closed:
                return .none
            case .idle, .processing:
                preconditionFailure("request body received in state \(self.state)")
            }
        }

        mutating func receivedEnd() -> Action {
            switch self.state {
            case .receiving(let head, let body):
                self.nextRequestID &+= 1
                self.state = .processing(id: self.nextRequestID, keepAlive: head.isKeepAlive)
                return .dispatch(id: self.nextRequestID, head: head, body: body)
            case .discarding, .closed:
                return .none
            case .idle, .processing:
                preconditionFailure("request end received in state \(self.state)")
            }
        }

        mutating func responseReady(id: UInt64, _ response: ShimResponse) -> Action {
            switch self.state {
            case .processing(let current, let keepAlive) where current == id:
                self.state = keepAlive ? .idle : .closed
                return .write(response, close: !keepAlive)
            case .processing, .idle, .receiving, .discarding, .closed:
                // A response for a request that already timed out, or a connection that is gone.
                return .none
            }
        }

        mutating func requestTimedOut(id: UInt64) -> Action {
            switch self.state {
            case .processing(let current, _) where current == id:
                self.state = .closed
                return .write(.error(.serviceUnavailable, "request timed out"), close: true)
            case .processing, .idle, .receiving, .discarding, .closed:
                return .none
            }
        }

        /// A malformed request (bad request line, oversized headers, bad chunking).
        mutating func protocolError(_ error: HTTPParserError) -> Action {
            switch self.state {
            case .idle, .receiving:
                self.state = .closed
                if case .headerOverflow = error {
                    return .write(.error(.requestHeaderFieldsTooLarge, "request headers too large"), close: true)
                }
                return .write(.error(.badRequest, "malformed HTTP request"), close: true)
            case .processing, .discarding:
                self.state = .closed
                return .close
            case .closed:
                return .none
            }
        }

        mutating func channelInactive() {
            self.state = .closed
        }

        private static func tooLarge(_ limit: Int) -> ShimResponse {
            .error(.payloadTooLarge, "request body exceeds \(limit) bytes")
        }
    }
}
