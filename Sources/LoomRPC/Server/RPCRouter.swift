import LoomProto
import NIOCore

/// Maps full method names (e.g. `/loom.v1.Loom/GetRun`) to handlers.
///
/// Unknown methods are answered with UNIMPLEMENTED by the server; a request that the method's deserializer
/// rejects is answered with INVALID_ARGUMENT before the handler runs, and one whose decoded size does not fit the
/// server's decode budgets with RESOURCE_EXHAUSTED (``RPCServer/Configuration/maxDecodedBytesInFlight``).
public struct RPCRouter: Sendable {
    /// A raw-bytes method implementation.
    enum Handler: Sendable {
        case unary(@Sendable (ByteBuffer, RPCHandlerContext) async throws -> ByteBuffer)
        case serverStreaming(@Sendable (ByteBuffer, RPCHandlerContext, RPCResponseWriter<ByteBuffer>) async throws -> Void)
    }

    private(set) var handlers: [String: Handler] = [:]

    /// Creates an empty router.
    public init() {}

    /// The full names of every registered method, sorted.
    public var methodNames: [String] { handlers.keys.sorted() }

    /// Registers a unary method over raw message bytes, replacing any handler registered for `method`.
    public mutating func registerUnary(
        _ method: String,
        handler: @escaping @Sendable (ByteBuffer, RPCHandlerContext) async throws -> ByteBuffer
    ) {
        handlers[method] = .unary(handler)
    }

    /// Registers a server-streaming method over raw message bytes, replacing any handler registered for `method`.
    /// The call ends with OK when `handler` returns.
    public mutating func registerServerStreaming(
        _ method: String,
        handler: @escaping @Sendable (ByteBuffer, RPCHandlerContext, RPCResponseWriter<ByteBuffer>) async throws -> Void
    ) {
        handlers[method] = .serverStreaming(handler)
    }

    /// Registers a typed unary method.
    /// - Parameters:
    ///   - method: The full method name.
    ///   - deserializer: Decodes the request; failure answers INVALID_ARGUMENT. The decoded request's size is
    ///     reserved from the decode budgets until `handler` returns.
    ///   - serializer: Encodes the response; failure answers INTERNAL.
    ///   - handler: The implementation.
    public mutating func registerUnary<Request, Response>(
        _ method: String,
        deserializer: some RPCDeserializer<Request>,
        serializer: some RPCSerializer<Response>,
        handler: @escaping @Sendable (Request, RPCHandlerContext) async throws -> Response
    ) {
        registerUnary(method) { bytes, context in
            let (request, reservation) = try Self.decode(bytes, with: deserializer, method: method, budgets: context.decodeBudgets)
            defer { reservation?.release() }
            let response = try await handler(request, context)
            return try Self.encode(response, with: serializer, method: method)
        }
    }

    /// Registers a typed server-streaming method.
    /// - Parameters:
    ///   - method: The full method name.
    ///   - deserializer: Decodes the request; failure answers INVALID_ARGUMENT. The decoded request's size is
    ///     reserved from the decode budgets until `handler` returns.
    ///   - serializer: Encodes each response message; failure ends the call with INTERNAL.
    ///   - handler: The implementation; it writes responses through the writer and returns to end with OK.
    public mutating func registerServerStreaming<Request, Response>(
        _ method: String,
        deserializer: some RPCDeserializer<Request>,
        serializer: some RPCSerializer<Response>,
        handler: @escaping @Sendable (Request, RPCHandlerContext, RPCResponseWriter<Response>) async throws -> Void
    ) {
        registerServerStreaming(method) { bytes, context, rawWriter in
            let (request, reservation) = try Self.decode(bytes, with: deserializer, method: method, budgets: context.decodeBudgets)
            defer { reservation?.release() }
            let writer = RPCResponseWriter<Response> { response in
                try await rawWriter.write(try Self.encode(response, with: serializer, method: method))
            }
            try await handler(request, context, writer)
        }
    }

    /// Decodes a request, reserving its decoded size from `budgets` (when given) between the deserializer's checks
    /// and its allocations; the caller releases the reservation when it is done with the request.
    private static func decode<Request>(
        _ bytes: ByteBuffer,
        with deserializer: some RPCDeserializer<Request>,
        method: String,
        budgets: RPCDecodeBudgets?
    ) throws(RPCError) -> (Request, RPCDecodeReservation?) {
        var reservation: RPCDecodeReservation?
        do {
            let request = try deserializer.deserialize(bytes) { decodedBytes in
                reservation = try budgets?.reserve(decodedBytes)
            }
            return (request, reservation)
        } catch {
            reservation?.release()
            switch error {
            case let error as RPCError:
                // Refused by a decode budget.
                throw error
            case let error as ProtoCodecError:
                // Names the message, the field and the bound; never the request's content.
                throw RPCError(code: .invalidArgument, message: "the request is not a valid message for \(method): \(error)", cause: error)
            default:
                throw RPCError(code: .invalidArgument, message: "the request is not a valid message for \(method)", cause: error)
            }
        }
    }

    private static func encode<Response>(
        _ response: Response,
        with serializer: some RPCSerializer<Response>,
        method: String
    ) throws(RPCError) -> ByteBuffer {
        do {
            return try serializer.serialize(response, allocator: ByteBufferAllocator())
        } catch {
            throw RPCError(code: .internalError, message: "the server could not encode the response", cause: error)
        }
    }
}

/// Sends the response messages of a server-streaming call.
///
/// `write` returns once the message is handed to the connection; it throws CANCELLED once the call is over (client
/// cancel, deadline, connection closed), so a handler looping on writes stops promptly.
public struct RPCResponseWriter<Message>: Sendable {
    private let sink: @Sendable (Message) async throws -> Void

    /// Creates a writer from a sink closure.
    public init(_ sink: @escaping @Sendable (Message) async throws -> Void) {
        self.sink = sink
    }

    /// Sends one response message.
    public func write(_ message: Message) async throws {
        try await sink(message)
    }
}
