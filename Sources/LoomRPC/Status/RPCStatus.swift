/// The outcome of a call as it travels on the wire: a gRPC status code and a message.
///
/// Unlike ``RPCError``, a status may be ``Code-swift.struct/ok``. Every call ends with exactly one status
/// trailer (see `Protos/README.md`, "STATUS frame").
public struct RPCStatus: Hashable, Sendable, CustomStringConvertible {
    /// The status code; its raw value is the gRPC code number carried on the wire.
    public var code: Code
    /// A human-readable message for the caller. Never contains internal error text.
    public var message: String

    /// Creates a status.
    /// - Parameters:
    ///   - code: The status code.
    ///   - message: A message for the caller (empty by default).
    public init(code: Code, message: String = "") {
        self.code = code
        self.message = message
    }

    /// The successful status.
    public static let ok = RPCStatus(code: .ok)

    public var description: String {
        message.isEmpty ? "\(code)" : "\(code): \(message)"
    }
}

extension RPCStatus {
    /// A gRPC status code. The numbers are gRPC's, so tools that know gRPC read them unchanged.
    ///
    /// A struct wrapping a private enum so that codes can be added without breaking the API.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: UInt8, Hashable, Sendable {
            case ok = 0
            case cancelled = 1
            case unknown = 2
            case invalidArgument = 3
            case deadlineExceeded = 4
            case notFound = 5
            case alreadyExists = 6
            case permissionDenied = 7
            case resourceExhausted = 8
            case failedPrecondition = 9
            case aborted = 10
            case outOfRange = 11
            case unimplemented = 12
            case internalError = 13
            case unavailable = 14
            case dataLoss = 15
            case unauthenticated = 16
        }

        private let wrapped: Wrapped

        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// Creates a code from its gRPC number; `nil` for a number gRPC does not define.
        public init?(rawValue: Int) {
            guard let byte = UInt8(exactly: rawValue), let wrapped = Wrapped(rawValue: byte) else { return nil }
            self.wrapped = wrapped
        }

        /// The gRPC code number.
        public var rawValue: Int { Int(wrapped.rawValue) }

        /// The call succeeded (0).
        public static let ok = Code(.ok)
        /// The call was cancelled, typically by the caller (1).
        public static let cancelled = Code(.cancelled)
        /// An error with no better code; also what an unmapped server-side error becomes (2).
        public static let unknown = Code(.unknown)
        /// The caller sent an invalid argument or an undecodable message (3).
        public static let invalidArgument = Code(.invalidArgument)
        /// The deadline expired before the call completed (4).
        public static let deadlineExceeded = Code(.deadlineExceeded)
        /// A requested entity was not found (5).
        public static let notFound = Code(.notFound)
        /// The entity the caller tried to create already exists (6).
        public static let alreadyExists = Code(.alreadyExists)
        /// The authenticated caller may not call this method (7).
        public static let permissionDenied = Code(.permissionDenied)
        /// A limit was hit, e.g. the per-connection concurrent call limit (8).
        public static let resourceExhausted = Code(.resourceExhausted)
        /// The system is not in a state required for the operation (9).
        public static let failedPrecondition = Code(.failedPrecondition)
        /// The operation was aborted, typically by a concurrency conflict (10).
        public static let aborted = Code(.aborted)
        /// The operation was attempted past the valid range (11).
        public static let outOfRange = Code(.outOfRange)
        /// The method is not implemented by the server (12).
        public static let unimplemented = Code(.unimplemented)
        /// An internal invariant was broken (13).
        public static let internalError = Code(.internalError)
        /// The service is currently unavailable; retrying may succeed (14).
        public static let unavailable = Code(.unavailable)
        /// Unrecoverable data loss or corruption (15).
        public static let dataLoss = Code(.dataLoss)
        /// The caller is not authenticated (16).
        public static let unauthenticated = Code(.unauthenticated)

        /// Every code, in numeric order.
        public static let allCases: [Code] = (0...16).compactMap { Code(rawValue: $0) }

        public var description: String {
            switch wrapped {
            case .ok: "OK"
            case .cancelled: "CANCELLED"
            case .unknown: "UNKNOWN"
            case .invalidArgument: "INVALID_ARGUMENT"
            case .deadlineExceeded: "DEADLINE_EXCEEDED"
            case .notFound: "NOT_FOUND"
            case .alreadyExists: "ALREADY_EXISTS"
            case .permissionDenied: "PERMISSION_DENIED"
            case .resourceExhausted: "RESOURCE_EXHAUSTED"
            case .failedPrecondition: "FAILED_PRECONDITION"
            case .aborted: "ABORTED"
            case .outOfRange: "OUT_OF_RANGE"
            case .unimplemented: "UNIMPLEMENTED"
            case .internalError: "INTERNAL"
            case .unavailable: "UNAVAILABLE"
            case .dataLoss: "DATA_LOSS"
            case .unauthenticated: "UNAUTHENTICATED"
            }
        }
    }
}
