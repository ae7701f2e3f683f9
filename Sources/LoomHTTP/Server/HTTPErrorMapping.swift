import Logging
import LoomCore
import LoomMigratorKit
import NIOHTTP1

/// Maps every error the shim's routes can meet to an HTTP response: the one place that decides status codes.
///
/// Known errors keep their safe message; anything else is a 500 with the fixed body `{"error":"internal error"}`,
/// and its text goes to the log only, never to the client.
public enum HTTPErrorMapping {
    /// The response for `error`; logs unexpected errors with the route template.
    public static func response(for error: any Error, route: String, logger: Logger) -> ShimResponse {
        switch error {
        case let error as ShimError:
            return .error(error.status, error.message, headers: self.challenge(error.status))
        case let error as JSONBodyError:
            return .error(.badRequest, error.message)
        default:
            if let mapped = self.domainResponse(for: error, route: route, logger: logger) {
                return mapped
            }
            logger.error("request failed", metadata: ["route": "\(route)", "error": "\(String(reflecting: error))"])
            return .error(.internalServerError, "internal error")
        }
    }

    /// The response for an error of `LoomCore`, or `nil` when the error is not a known domain error.
    static func domainResponse(for error: any Error, route: String, logger: Logger) -> ShimResponse? {
        guard let error = error as? LoomError else { return nil }
        let status: HTTPResponseStatus
        switch error.code {
        case .invalidArgument: status = .badRequest
        case .notFound: status = .notFound
        case .alreadyRunning, .alreadyCompleted, .notRunning, .stepNotRetryable, .staleEvent, .failedPrecondition, .conflict:
            status = .conflict
        case .unauthenticated: status = .unauthorized
        case .permissionDenied: status = .forbidden
        case .migratorUnavailable, .migratorBadResponse: status = .badGateway
        case .migratorTimeout: status = .gatewayTimeout
        case .storeUnavailable:
            logger.error("store unavailable", metadata: ["route": "\(route)", "error": "\(String(reflecting: error.cause))"])
            return .error(.serviceUnavailable, "store unavailable")
        case .notReady: status = .serviceUnavailable
        default:
            // `internal` and any code added later: the message may carry detail, so it is not sent.
            logger.error("request failed", metadata: ["route": "\(route)", "error": "\(error)", "cause": "\(String(reflecting: error.cause))"])
            return .error(.internalServerError, "internal error")
        }
        return .error(status, error.message, headers: self.challenge(status))
    }

    /// `WWW-Authenticate: Bearer` on a 401, as RFC 9110 asks: the shim's credentials are bearer
    /// tokens (callback tokens, migrator credentials) or a client certificate.
    static func challenge(_ status: HTTPResponseStatus) -> HTTPHeaders {
        status == .unauthorized ? ["www-authenticate": #"Bearer realm="loom""#] : [:]
    }
}
