// The campaign enums of Protos/loom/v1/loom.proto. Each keeps numbers it does not know
// (`unrecognized`), as proto3 open enums require.
//
// Kept in step with Protos/loom/v1/loom.proto by hand; ContractTests fail when a message,
// field or enum value of the proto is missing here or out of order.

/// Where a campaign is in its life.
///
/// The Swift form of `loom.v1.CampaignState`.
public enum CampaignState: LoomEnum {
    /// Not set: the proto3 default (0); never a meaningful state.
    case unspecified
    /// Starting members as its pacing allows.
    case running
    /// Starting nothing until resumed (by an operator, or by its failure budget).
    case paused
    /// Stopped for good by an operator; its runs go on unless cancelled too.
    case cancelled
    /// Every member settled.
    case completed
    /// A number this version of the contract does not define; kept so it round-trips.
    case unrecognized(Int32)

    /// The cases the proto declares, in declaration order (never `unrecognized`).
    public static let allCases: [Self] = [.unspecified, .running, .paused, .cancelled, .completed]

    /// The fully qualified protobuf name, `loom.v1.CampaignState`.
    public static var protoName: String { "loom.v1.CampaignState" }

    /// The case for a wire number; numbers without a case become `unrecognized`.
    public init(rawValue: Int32) {
        switch rawValue {
        case 0: self = .unspecified
        case 1: self = .running
        case 2: self = .paused
        case 3: self = .cancelled
        case 4: self = .completed
        default: self = .unrecognized(rawValue)
        }
    }

    /// The wire number.
    public var rawValue: Int32 {
        switch self {
        case .unspecified: 0
        case .running: 1
        case .paused: 2
        case .cancelled: 3
        case .completed: 4
        case .unrecognized(let number): number
        }
    }

    /// Values are equal when their wire numbers are (`.unrecognized(n)` equals the case for `n`).
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawValue == rhs.rawValue }

    /// Hashes the wire number, consistently with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}

/// Where one member (a candidate) of a campaign stands.
///
/// The Swift form of `loom.v1.CampaignMemberStatus`.
public enum CampaignMemberStatus: LoomEnum {
    /// In a request: any status.
    case unspecified
    /// Not started yet.
    case pending
    /// Its run, started by the campaign, has not finished.
    case running
    /// Its run completed.
    case completed
    /// Its run failed (waiting for a retry, or failed for good).
    case failed
    /// Not started: its candidate already had an active run, or an operator skipped it.
    case skipped
    /// Its run was cancelled, or the campaign was cancelled before it started.
    case cancelled
    /// A number this version of the contract does not define; kept so it round-trips.
    case unrecognized(Int32)

    /// The cases the proto declares, in declaration order (never `unrecognized`).
    public static let allCases: [Self] = [.unspecified, .pending, .running, .completed, .failed, .skipped, .cancelled]

    /// The fully qualified protobuf name, `loom.v1.CampaignMemberStatus`.
    public static var protoName: String { "loom.v1.CampaignMemberStatus" }

    /// The case for a wire number; numbers without a case become `unrecognized`.
    public init(rawValue: Int32) {
        switch rawValue {
        case 0: self = .unspecified
        case 1: self = .pending
        case 2: self = .running
        case 3: self = .completed
        case 4: self = .failed
        case 5: self = .skipped
        case 6: self = .cancelled
        default: self = .unrecognized(rawValue)
        }
    }

    /// The wire number.
    public var rawValue: Int32 {
        switch self {
        case .unspecified: 0
        case .pending: 1
        case .running: 2
        case .completed: 3
        case .failed: 4
        case .skipped: 5
        case .cancelled: 6
        case .unrecognized(let number): number
        }
    }

    /// Values are equal when their wire numbers are (`.unrecognized(n)` equals the case for `n`).
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawValue == rhs.rawValue }

    /// Hashes the wire number, consistently with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}

/// What happened to a campaign.
///
/// The Swift form of `loom.v1.CampaignEventKind`.
public enum CampaignEventKind: LoomEnum {
    /// Not set: the proto3 default (0).
    case unspecified
    /// The campaign was created.
    case created
    /// An operator paused it.
    case paused
    /// Its failure budget was spent: it paused itself.
    case budgetSpent
    /// An operator resumed it.
    case resumed
    /// Its pacing or budget changed.
    case changed
    /// An operator cancelled it.
    case cancelled
    /// Every member settled.
    case completed
    /// An operator sent failed members back to be retried.
    case retried
    /// An operator skipped pending members.
    case skipped
    /// A number this version of the contract does not define; kept so it round-trips.
    case unrecognized(Int32)

    /// The cases the proto declares, in declaration order (never `unrecognized`).
    public static let allCases: [Self] = [.unspecified, .created, .paused, .budgetSpent, .resumed, .changed, .cancelled, .completed, .retried, .skipped]

    /// The fully qualified protobuf name, `loom.v1.CampaignEventKind`.
    public static var protoName: String { "loom.v1.CampaignEventKind" }

    /// The case for a wire number; numbers without a case become `unrecognized`.
    public init(rawValue: Int32) {
        switch rawValue {
        case 0: self = .unspecified
        case 1: self = .created
        case 2: self = .paused
        case 3: self = .budgetSpent
        case 4: self = .resumed
        case 5: self = .changed
        case 6: self = .cancelled
        case 7: self = .completed
        case 8: self = .retried
        case 9: self = .skipped
        default: self = .unrecognized(rawValue)
        }
    }

    /// The wire number.
    public var rawValue: Int32 {
        switch self {
        case .unspecified: 0
        case .created: 1
        case .paused: 2
        case .budgetSpent: 3
        case .resumed: 4
        case .changed: 5
        case .cancelled: 6
        case .completed: 7
        case .retried: 8
        case .skipped: 9
        case .unrecognized(let number): number
        }
    }

    /// Values are equal when their wire numbers are (`.unrecognized(n)` equals the case for `n`).
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawValue == rhs.rawValue }

    /// Hashes the wire number, consistently with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}
