import Logging

/// The one place where a server handler's thrown error becomes a wire status.
///
/// - An ``RPCError`` passes through unchanged.
/// - An ``RPCErrorConvertible`` error is converted.
/// - Swift task cancellation becomes CANCELLED.
/// - Anything else becomes UNKNOWN with a generic message; the error itself is logged, never sent.
enum RPCErrorMapper {
    /// The generic message sent for errors that are not ``RPCError`` or ``RPCErrorConvertible``.
    static let genericMessage = "the server failed to process the call"

    static func rpcError(for error: any Error, method: String, logger: Logger) -> RPCError {
        switch error {
        case let error as RPCError:
            return error
        case let error as any RPCErrorConvertible:
            return error.rpcError
        case is CancellationError:
            return RPCError(code: .cancelled, message: "the call was cancelled")
        default:
            logger.error(
                "handler failed with an unmapped error",
                metadata: ["rpc.method": "\(method)", "error": "\(String(reflecting: error))"]
            )
            return RPCError(code: .unknown, message: genericMessage, cause: error)
        }
    }
}
