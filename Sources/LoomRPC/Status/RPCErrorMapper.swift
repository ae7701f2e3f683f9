import Logging

/// The one place where a server handler's thrown error becomes a wire status.
///
/// - An ``RPCError`` passes through unchanged.
/// - An ``RPCErrorConvertible`` error is converted.
/// - Swift task cancellation becomes CANCELLED.
/// - Anything else becomes UNKNOWN with a generic message; the error itself is logged, never sent.
///
/// A call that ends with INTERNAL or UNAVAILABLE is logged here once, with its cause (error for INTERNAL, warning for
/// UNAVAILABLE): their messages to the caller are generic, so the log is where the reason is.
enum RPCErrorMapper {
    /// The generic message sent for errors that are not ``RPCError`` or ``RPCErrorConvertible``.
    static let genericMessage = "the server failed to process the call"

    static func rpcError(for error: any Error, method: String, logger: Logger) -> RPCError {
        let mapped: RPCError
        switch error {
        case let error as RPCError:
            mapped = error
        case let error as any RPCErrorConvertible:
            mapped = error.rpcError
        case is CancellationError:
            return RPCError(code: .cancelled, message: "the call was cancelled")
        default:
            logger.error(
                "handler failed with an unmapped error",
                metadata: ["rpc.method": "\(method)", "error": "\(String(reflecting: error))"]
            )
            return RPCError(code: .unknown, message: genericMessage, cause: error)
        }
        if mapped.code == .internalError || mapped.code == .unavailable {
            logger.log(
                level: mapped.code == .internalError ? .error : .warning,
                "call failed",
                metadata: [
                    "rpc.method": "\(method)",
                    "rpc.code": "\(mapped.code)",
                    "error": "\(logText(of: mapped.cause ?? error))",
                ]
            )
        }
        return mapped
    }

    /// What the log says of an error: its ``RPCErrorConvertible/logDescription`` when it has one.
    private static func logText(of error: any Error) -> String {
        (error as? any RPCErrorConvertible)?.logDescription ?? String(reflecting: error)
    }
}
