import NIOHTTP1

/// An error the shim answers with a specific 4xx status and a message safe to show to the caller.
public struct ShimError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The response status.
    public var status: HTTPResponseStatus
    /// The `error` text of the response body.
    public var message: String

    /// Creates an error.
    public init(status: HTTPResponseStatus, message: String) {
        self.status = status
        self.message = message
    }

    /// 400 with a message.
    public static func badRequest(_ message: String) -> Self { Self(status: .badRequest, message: message) }
    /// 401: credentials missing or not valid.
    public static func unauthorized(_ message: String) -> Self { Self(status: .unauthorized, message: message) }
    /// 403: valid credentials that may not do this.
    public static func forbidden(_ message: String) -> Self { Self(status: .forbidden, message: message) }
    /// 404 with a message.
    public static func notFound(_ message: String) -> Self { Self(status: .notFound, message: message) }
    /// 409 with a message.
    public static func conflict(_ message: String) -> Self { Self(status: .conflict, message: message) }

    /// `status: message`.
    public var description: String { "\(self.status.code): \(self.message)" }
}
