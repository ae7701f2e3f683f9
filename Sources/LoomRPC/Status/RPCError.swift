import LoomTLS

/// A failed call: a non-OK status code, a message for the caller, trailing metadata and an optional cause.
///
/// Server handlers throw it (or an ``RPCErrorConvertible`` error) to end a call with a specific status; clients
/// receive it when a call ends with a non-OK status. The ``cause`` stays in the process: it is never sent and is
/// ignored by equality.
public struct RPCError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The status code; never ``RPCStatus/Code-swift.struct/ok``.
    public var code: RPCStatus.Code
    /// The message sent to (or received from) the peer.
    public var message: String
    /// Trailing metadata carried by the status trailer.
    public var metadata: RPCMetadata
    /// The underlying error, for logs only; never sent on the wire.
    public var cause: (any Error)?

    /// Creates an error.
    /// - Parameters:
    ///   - code: A non-OK code. Passing `.ok` is a programmer error and traps.
    ///   - message: The message for the caller.
    ///   - metadata: Trailing metadata for the status trailer.
    ///   - cause: An underlying error kept for logging.
    public init(code: RPCStatus.Code, message: String, metadata: RPCMetadata = [:], cause: (any Error)? = nil) {
        precondition(code != .ok, "RPCError cannot carry the OK code")
        self.code = code
        self.message = message
        self.metadata = metadata
        // Flatten nested errors with the same code, as grpc-swift does, so logs show the root cause once.
        if let inner = cause as? RPCError, inner.code == code {
            self.cause = inner.cause
        } else {
            self.cause = cause
        }
    }

    /// Creates an error from a non-OK status; `nil` when the status is OK.
    public init?(status: RPCStatus, metadata: RPCMetadata = [:]) {
        guard status.code != .ok else { return nil }
        self.init(code: status.code, message: status.message, metadata: metadata)
    }

    /// The status this error is sent as.
    public var status: RPCStatus { RPCStatus(code: code, message: message) }

    public var description: String {
        var text = "\(code): \"\(message)\""
        if let cause { text += " (cause: \(String(reflecting: cause)))" }
        return text
    }

    public static func == (lhs: RPCError, rhs: RPCError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.metadata == rhs.metadata
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
        hasher.combine(metadata)
    }
}

/// An error that knows which ``RPCError`` it becomes when it ends a call.
///
/// Domain errors conform to this so the server maps them at one place (``RPCErrorMapper``) without the domain
/// importing the transport's details beyond this protocol.
public protocol RPCErrorConvertible: Error {
    /// The error to send to the caller. Its message must be safe to show to the caller.
    var rpcError: RPCError { get }
    /// What the server's log says of the error when its call ends with INTERNAL or UNAVAILABLE: the details the
    /// caller is not sent, such as the underlying cause, and never a secret. Default: `String(reflecting: self)`.
    var logDescription: String { get }
}

extension RPCErrorConvertible {
    /// `String(reflecting: self)`.
    public var logDescription: String { String(reflecting: self) }
}

extension RPCError {
    /// UNAUTHENTICATED when `error` is a TLS failure in which the server refused this client's certificate (or its
    /// lack of one) with an alert; `nil` for any other error.
    init?(refusedCertificate error: any Error) {
        guard let tls = error as? TLSError, let alert = tls.peerAlert, alert.refusesOurCertificate else { return nil }
        let what = alert == .certificateRequired ? "requires a client certificate" : "refused this client's certificate"
        self.init(code: .unauthenticated, message: "the server \(what) (TLS alert \(alert))", cause: tls)
    }
}
