import LoomCore
import LoomRPC

/// The one place domain errors become RPC statuses.
///
/// Domain messages (which name the ids the caller sent) pass through; failures whose text
/// could carry internals (store and internal errors) are replaced by a generic message, and
/// the original stays the `cause` for the server's log.
extension LoomError: RPCErrorConvertible {
    public var rpcError: RPCError {
        let (status, safeMessage) = Self.rpcStatus(for: code)
        return RPCError(code: status, message: safeMessage ?? message, cause: self)
    }

    /// The code, the domain message and the underlying cause, for the server's log (the RPC server logs it once when
    /// the call ends with INTERNAL or UNAVAILABLE, whose messages to the caller are generic).
    public var logDescription: String {
        guard let cause else { return description }
        return "\(description) (cause: \(String(reflecting: cause)))"
    }

    /// The gRPC status of each domain error code, and a replacement message where the domain
    /// message must not reach the caller.
    static func rpcStatus(for code: Code) -> (RPCStatus.Code, String?) {
        switch code {
        case .invalidArgument: (.invalidArgument, nil)
        case .notFound: (.notFound, nil)
        case .alreadyRunning: (.alreadyExists, nil)
        case .alreadyCompleted, .notRunning, .stepNotRetryable, .staleEvent, .failedPrecondition: (.failedPrecondition, nil)
        case .conflict: (.aborted, nil)
        case .unauthenticated: (.unauthenticated, nil)
        case .permissionDenied: (.permissionDenied, nil)
        // UNAVAILABLE means "safe to retry": only for a migrator that could not be reached or
        // answered with a transient status. An answer Loom cannot use will not improve by retrying.
        case .migratorUnavailable: (.unavailable, nil)
        case .migratorBadResponse: (.failedPrecondition, nil)
        case .migratorTimeout: (.deadlineExceeded, nil)
        case .storeUnavailable: (.unavailable, "the store is unavailable; retry later")
        case .notReady: (.unavailable, nil)
        case .internal: (.internalError, "internal error")
        default: (.unknown, "internal error")
        }
    }
}
