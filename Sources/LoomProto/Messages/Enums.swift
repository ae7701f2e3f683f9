// The enums of Protos/loom/v1/loom.proto. Each keeps numbers it does not know
// (`unrecognized`), as proto3 open enums require.
//
// Kept in step with Protos/loom/v1/loom.proto by hand; ContractTests fail when a message,
// field or enum value of the proto is missing here or out of order.

/// Whether a run is active or finished for a candidate (not whether it succeeded).
///
/// The Swift form of `loom.v1.CandidateStatus`.
public enum CandidateStatus: LoomEnum {
    /// Never sent by Loom; read as NOT_STARTED.
    case unspecified
    /// No run is active and none has completed.
    case notStarted
    /// A run is active (including a run whose step failed and waits for retry).
    case running
    /// A run completed every step.
    case completed
    /// A number this version of the contract does not define; kept so it round-trips.
    case unrecognized(Int32)

    /// The cases the proto declares, in declaration order (never `unrecognized`).
    public static let allCases: [Self] = [.unspecified, .notStarted, .running, .completed]

    /// The fully qualified protobuf name, `loom.v1.CandidateStatus`.
    public static var protoName: String { "loom.v1.CandidateStatus" }

    /// The case for a wire number; numbers without a case become `unrecognized`.
    public init(rawValue: Int32) {
        switch rawValue {
        case 0: self = .unspecified
        case 1: self = .notStarted
        case 2: self = .running
        case 3: self = .completed
        default: self = .unrecognized(rawValue)
        }
    }

    /// The wire number.
    public var rawValue: Int32 {
        switch self {
        case .unspecified: 0
        case .notStarted: 1
        case .running: 2
        case .completed: 3
        case .unrecognized(let number): number
        }
    }

    /// Values are equal when their wire numbers are (`.unrecognized(n)` equals the case for `n`).
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawValue == rhs.rawValue }

    /// Hashes the wire number, consistently with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}

/// The state of one step of a run.
///
/// The Swift form of `loom.v1.StepStatus`.
public enum StepStatus: LoomEnum {
    /// Not set: the proto3 default (0); never a meaningful state.
    case unspecified
    /// Dispatched (or being dispatched) to the migrator; no event yet.
    case inProgress
    /// The migrator reported a manual review is needed; waiting for an operator.
    case awaitingReview
    /// The migrator opened a pull request; waiting for it to merge.
    case open
    /// The step succeeded.
    case completed
    /// The step's pull request merged (a success).
    case merged
    /// The step failed; the run waits for RetryStep or CancelRun.
    case failed
    /// The run was cancelled while this step was current.
    case cancelled
    /// A number this version of the contract does not define; kept so it round-trips.
    case unrecognized(Int32)

    /// The cases the proto declares, in declaration order (never `unrecognized`).
    public static let allCases: [Self] = [.unspecified, .inProgress, .awaitingReview, .open, .completed, .merged, .failed, .cancelled]

    /// The fully qualified protobuf name, `loom.v1.StepStatus`.
    public static var protoName: String { "loom.v1.StepStatus" }

    /// The case for a wire number; numbers without a case become `unrecognized`.
    public init(rawValue: Int32) {
        switch rawValue {
        case 0: self = .unspecified
        case 1: self = .inProgress
        case 2: self = .awaitingReview
        case 3: self = .open
        case 4: self = .completed
        case 5: self = .merged
        case 6: self = .failed
        case 7: self = .cancelled
        default: self = .unrecognized(rawValue)
        }
    }

    /// The wire number.
    public var rawValue: Int32 {
        switch self {
        case .unspecified: 0
        case .inProgress: 1
        case .awaitingReview: 2
        case .open: 3
        case .completed: 4
        case .merged: 5
        case .failed: 6
        case .cancelled: 7
        case .unrecognized(let number): number
        }
    }

    /// Values are equal when their wire numbers are (`.unrecognized(n)` equals the case for `n`).
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawValue == rhs.rawValue }

    /// Hashes the wire number, consistently with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}

/// The state of a run as a whole.
///
/// The Swift form of `loom.v1.RunStatus`.
public enum RunStatus: LoomEnum {
    /// Not set: the proto3 default (0); never a meaningful state.
    case unspecified
    /// Steps are being dispatched or awaited.
    case running
    /// The current step failed; waiting for RetryStep or CancelRun.
    case waitingRetry
    /// Every step succeeded.
    case completed
    /// An operator cancelled the run.
    case cancelled
    /// An operator gave up on the run after its step failed (CancelRun with
    /// failed = true); see failure_reason. The candidate is not_started again.
    case failed
    /// A number this version of the contract does not define; kept so it round-trips.
    case unrecognized(Int32)

    /// The cases the proto declares, in declaration order (never `unrecognized`).
    public static let allCases: [Self] = [.unspecified, .running, .waitingRetry, .completed, .cancelled, .failed]

    /// The fully qualified protobuf name, `loom.v1.RunStatus`.
    public static var protoName: String { "loom.v1.RunStatus" }

    /// The case for a wire number; numbers without a case become `unrecognized`.
    public init(rawValue: Int32) {
        switch rawValue {
        case 0: self = .unspecified
        case 1: self = .running
        case 2: self = .waitingRetry
        case 3: self = .completed
        case 4: self = .cancelled
        case 5: self = .failed
        default: self = .unrecognized(rawValue)
        }
    }

    /// The wire number.
    public var rawValue: Int32 {
        switch self {
        case .unspecified: 0
        case .running: 1
        case .waitingRetry: 2
        case .completed: 3
        case .cancelled: 4
        case .failed: 5
        case .unrecognized(let number): number
        }
    }

    /// Values are equal when their wire numbers are (`.unrecognized(n)` equals the case for `n`).
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawValue == rhs.rawValue }

    /// Hashes the wire number, consistently with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}

/// What kind of transition a history entry records.
///
/// The Swift form of `loom.v1.HistoryKind`.
public enum HistoryKind: LoomEnum {
    /// Not set: the proto3 default (0); never a meaningful state.
    case unspecified
    /// The run was started (or restarted after a cancel).
    case runStarted
    /// A step was dispatched to the migrator.
    case stepDispatched
    /// A dispatch to the migrator failed (it may be retried).
    case dispatchFailed
    /// A migrator's step event was applied.
    case eventApplied
    /// A step failed.
    case stepFailed
    /// An operator retried the failed step.
    case stepRetried
    /// A step exceeded its timeout.
    case stepTimedOut
    /// A step completed (or merged).
    case stepCompleted
    /// Every step completed.
    case runCompleted
    /// An operator cancelled the run.
    case runCancelled
    /// An operator ended the run failed (CancelRun with failed = true).
    case runFailed
    /// A step event was rejected (wrong step, stale attempt, bad token...).
    case eventRejected
    /// Loom asked the migrator about a silent step (POST /step-status); the
    /// detail says what it answered and when Loom asks again.
    case statusChecked
    /// The migrator has no /step-status: the silent step (and its run) stalled.
    case stepStalled
    /// A number this version of the contract does not define; kept so it round-trips.
    case unrecognized(Int32)

    /// The cases the proto declares, in declaration order (never `unrecognized`).
    public static let allCases: [Self] = [.unspecified, .runStarted, .stepDispatched, .dispatchFailed, .eventApplied, .stepFailed, .stepRetried, .stepTimedOut, .stepCompleted, .runCompleted, .runCancelled, .runFailed, .eventRejected, .statusChecked, .stepStalled]

    /// The fully qualified protobuf name, `loom.v1.HistoryKind`.
    public static var protoName: String { "loom.v1.HistoryKind" }

    /// The case for a wire number; numbers without a case become `unrecognized`.
    public init(rawValue: Int32) {
        switch rawValue {
        case 0: self = .unspecified
        case 1: self = .runStarted
        case 2: self = .stepDispatched
        case 3: self = .dispatchFailed
        case 4: self = .eventApplied
        case 5: self = .stepFailed
        case 6: self = .stepRetried
        case 7: self = .stepTimedOut
        case 8: self = .stepCompleted
        case 9: self = .runCompleted
        case 10: self = .runCancelled
        case 11: self = .runFailed
        case 12: self = .eventRejected
        case 13: self = .statusChecked
        case 14: self = .stepStalled
        default: self = .unrecognized(rawValue)
        }
    }

    /// The wire number.
    public var rawValue: Int32 {
        switch self {
        case .unspecified: 0
        case .runStarted: 1
        case .stepDispatched: 2
        case .dispatchFailed: 3
        case .eventApplied: 4
        case .stepFailed: 5
        case .stepRetried: 6
        case .stepTimedOut: 7
        case .stepCompleted: 8
        case .runCompleted: 9
        case .runCancelled: 10
        case .runFailed: 11
        case .eventRejected: 12
        case .statusChecked: 13
        case .stepStalled: 14
        case .unrecognized(let number): number
        }
    }

    /// Values are equal when their wire numbers are (`.unrecognized(n)` equals the case for `n`).
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawValue == rhs.rawValue }

    /// Hashes the wire number, consistently with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}

/// The `loom.v1.FileDiffStatus` enum.
public enum FileDiffStatus: LoomEnum {
    /// Not set: the proto3 default (0); never a meaningful state.
    case unspecified
    /// The step would create the file.
    case new
    /// The step would change the file.
    case modified
    /// The step would delete the file.
    case deleted
    /// A number this version of the contract does not define; kept so it round-trips.
    case unrecognized(Int32)

    /// The cases the proto declares, in declaration order (never `unrecognized`).
    public static let allCases: [Self] = [.unspecified, .new, .modified, .deleted]

    /// The fully qualified protobuf name, `loom.v1.FileDiffStatus`.
    public static var protoName: String { "loom.v1.FileDiffStatus" }

    /// The case for a wire number; numbers without a case become `unrecognized`.
    public init(rawValue: Int32) {
        switch rawValue {
        case 0: self = .unspecified
        case 1: self = .new
        case 2: self = .modified
        case 3: self = .deleted
        default: self = .unrecognized(rawValue)
        }
    }

    /// The wire number.
    public var rawValue: Int32 {
        switch self {
        case .unspecified: 0
        case .new: 1
        case .modified: 2
        case .deleted: 3
        case .unrecognized(let number): number
        }
    }

    /// Values are equal when their wire numbers are (`.unrecognized(n)` equals the case for `n`).
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawValue == rhs.rawValue }

    /// Hashes the wire number, consistently with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}
