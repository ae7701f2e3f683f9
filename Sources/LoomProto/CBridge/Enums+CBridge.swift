// Conversion between the enums and their protobuf-c values.
//
// Kept in step with Protos/loom/v1/loom.proto by hand; ContractTests fail when a message,
// field or enum value of the proto is missing here or out of order.

import CLoomProto
import CProtobufC

extension CandidateStatus {
    init(cValue: Loom__V1__CandidateStatus) { self.init(rawValue: Int32(truncatingIfNeeded: cValue.rawValue)) }
    var cValue: Loom__V1__CandidateStatus { Loom__V1__CandidateStatus(rawValue: .init(truncatingIfNeeded: rawValue)) }

    /// The value name the proto declares for this number (e.g. `RUN_STATUS_RUNNING`), or nil when unrecognized.
    public var protoValueName: String? { enumValueName(loom__v1__candidate_status__descriptor, number: rawValue) }
}

extension StepStatus {
    init(cValue: Loom__V1__StepStatus) { self.init(rawValue: Int32(truncatingIfNeeded: cValue.rawValue)) }
    var cValue: Loom__V1__StepStatus { Loom__V1__StepStatus(rawValue: .init(truncatingIfNeeded: rawValue)) }

    /// The value name the proto declares for this number (e.g. `RUN_STATUS_RUNNING`), or nil when unrecognized.
    public var protoValueName: String? { enumValueName(loom__v1__step_status__descriptor, number: rawValue) }
}

extension RunStatus {
    init(cValue: Loom__V1__RunStatus) { self.init(rawValue: Int32(truncatingIfNeeded: cValue.rawValue)) }
    var cValue: Loom__V1__RunStatus { Loom__V1__RunStatus(rawValue: .init(truncatingIfNeeded: rawValue)) }

    /// The value name the proto declares for this number (e.g. `RUN_STATUS_RUNNING`), or nil when unrecognized.
    public var protoValueName: String? { enumValueName(loom__v1__run_status__descriptor, number: rawValue) }
}

extension HistoryKind {
    init(cValue: Loom__V1__HistoryKind) { self.init(rawValue: Int32(truncatingIfNeeded: cValue.rawValue)) }
    var cValue: Loom__V1__HistoryKind { Loom__V1__HistoryKind(rawValue: .init(truncatingIfNeeded: rawValue)) }

    /// The value name the proto declares for this number (e.g. `RUN_STATUS_RUNNING`), or nil when unrecognized.
    public var protoValueName: String? { enumValueName(loom__v1__history_kind__descriptor, number: rawValue) }
}

extension FileDiffStatus {
    init(cValue: Loom__V1__FileDiffStatus) { self.init(rawValue: Int32(truncatingIfNeeded: cValue.rawValue)) }
    var cValue: Loom__V1__FileDiffStatus { Loom__V1__FileDiffStatus(rawValue: .init(truncatingIfNeeded: rawValue)) }

    /// The value name the proto declares for this number (e.g. `RUN_STATUS_RUNNING`), or nil when unrecognized.
    public var protoValueName: String? { enumValueName(loom__v1__file_diff_status__descriptor, number: rawValue) }
}

extension CampaignState {
    init(cValue: Loom__V1__CampaignState) { self.init(rawValue: Int32(truncatingIfNeeded: cValue.rawValue)) }
    var cValue: Loom__V1__CampaignState { Loom__V1__CampaignState(rawValue: .init(truncatingIfNeeded: rawValue)) }

    /// The value name the proto declares for this number (e.g. `RUN_STATUS_RUNNING`), or nil when unrecognized.
    public var protoValueName: String? { enumValueName(loom__v1__campaign_state__descriptor, number: rawValue) }
}

extension CampaignMemberStatus {
    init(cValue: Loom__V1__CampaignMemberStatus) { self.init(rawValue: Int32(truncatingIfNeeded: cValue.rawValue)) }
    var cValue: Loom__V1__CampaignMemberStatus { Loom__V1__CampaignMemberStatus(rawValue: .init(truncatingIfNeeded: rawValue)) }

    /// The value name the proto declares for this number (e.g. `RUN_STATUS_RUNNING`), or nil when unrecognized.
    public var protoValueName: String? { enumValueName(loom__v1__campaign_member_status__descriptor, number: rawValue) }
}

extension CampaignEventKind {
    init(cValue: Loom__V1__CampaignEventKind) { self.init(rawValue: Int32(truncatingIfNeeded: cValue.rawValue)) }
    var cValue: Loom__V1__CampaignEventKind { Loom__V1__CampaignEventKind(rawValue: .init(truncatingIfNeeded: rawValue)) }

    /// The value name the proto declares for this number (e.g. `RUN_STATUS_RUNNING`), or nil when unrecognized.
    public var protoValueName: String? { enumValueName(loom__v1__campaign_event_kind__descriptor, number: rawValue) }
}
