// The protobuf-c structs of `map<string, string>` entries.
//
// Kept in step with Protos/loom/v1/loom.proto by hand; ContractTests fail when a message,
// field or enum value of the proto is missing here or out of order.

import CLoomProto

extension Loom__V1__StepDefinition__ConfigEntry: CStringMapEntry {
    static func initialize(_ entry: UnsafeMutablePointer<Self>?) { loom__v1__step_definition__config_entry__init(entry) }
}

extension Loom__V1__Candidate__MetadataEntry: CStringMapEntry {
    static func initialize(_ entry: UnsafeMutablePointer<Self>?) { loom__v1__candidate__metadata_entry__init(entry) }
}

extension Loom__V1__Candidate__InputsEntry: CStringMapEntry {
    static func initialize(_ entry: UnsafeMutablePointer<Self>?) { loom__v1__candidate__inputs_entry__init(entry) }
}

extension Loom__V1__StepResult__MetadataEntry: CStringMapEntry {
    static func initialize(_ entry: UnsafeMutablePointer<Self>?) { loom__v1__step_result__metadata_entry__init(entry) }
}

extension Loom__V1__Run__InputsEntry: CStringMapEntry {
    static func initialize(_ entry: UnsafeMutablePointer<Self>?) { loom__v1__run__inputs_entry__init(entry) }
}

extension Loom__V1__StepEvent__MetadataEntry: CStringMapEntry {
    static func initialize(_ entry: UnsafeMutablePointer<Self>?) { loom__v1__step_event__metadata_entry__init(entry) }
}

extension Loom__V1__UpdateCandidateInputsRequest__InputsEntry: CStringMapEntry {
    static func initialize(_ entry: UnsafeMutablePointer<Self>?) { loom__v1__update_candidate_inputs_request__inputs_entry__init(entry) }
}

extension Loom__V1__ListCandidatesRequest__MetadataEntry: CStringMapEntry {
    static func initialize(_ entry: UnsafeMutablePointer<Self>?) { loom__v1__list_candidates_request__metadata_entry__init(entry) }
}

extension Loom__V1__StartRunRequest__InputsEntry: CStringMapEntry {
    static func initialize(_ entry: UnsafeMutablePointer<Self>?) { loom__v1__start_run_request__inputs_entry__init(entry) }
}

extension Loom__V1__DryRunRequest__InputsEntry: CStringMapEntry {
    static func initialize(_ entry: UnsafeMutablePointer<Self>?) { loom__v1__dry_run_request__inputs_entry__init(entry) }
}

extension Loom__V1__Campaign__InputsEntry: CStringMapEntry {
    static func initialize(_ entry: UnsafeMutablePointer<Self>?) { loom__v1__campaign__inputs_entry__init(entry) }
}

extension Loom__V1__Campaign__FilterMetadataEntry: CStringMapEntry {
    static func initialize(_ entry: UnsafeMutablePointer<Self>?) { loom__v1__campaign__filter_metadata_entry__init(entry) }
}

extension Loom__V1__CampaignMember__InputsEntry: CStringMapEntry {
    static func initialize(_ entry: UnsafeMutablePointer<Self>?) { loom__v1__campaign_member__inputs_entry__init(entry) }
}

extension Loom__V1__CampaignMemberInputs__InputsEntry: CStringMapEntry {
    static func initialize(_ entry: UnsafeMutablePointer<Self>?) { loom__v1__campaign_member_inputs__inputs_entry__init(entry) }
}

extension Loom__V1__CreateCampaignRequest__MetadataEntry: CStringMapEntry {
    static func initialize(_ entry: UnsafeMutablePointer<Self>?) { loom__v1__create_campaign_request__metadata_entry__init(entry) }
}

extension Loom__V1__CreateCampaignRequest__InputsEntry: CStringMapEntry {
    static func initialize(_ entry: UnsafeMutablePointer<Self>?) { loom__v1__create_campaign_request__inputs_entry__init(entry) }
}
