// Conversion between the campaign requests and responses and their protobuf-c structs.
//
// Kept in step with Protos/loom/v1/loom.proto by hand; ContractTests fail when a message,
// field or enum value of the proto is missing here or out of order.

import CLoomProto
import CProtobufC

extension CreateCampaignRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.CreateCampaignRequest`.
    public static var protoName: String { "loom.v1.CreateCampaignRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<CreateCampaignRequest>(
        descriptor: loom__v1__create_campaign_request__descriptor,
        unpack: loom__v1__create_campaign_request__unpack,
        freeUnpacked: loom__v1__create_campaign_request__free_unpacked,
        packedSize: loom__v1__create_campaign_request__get_packed_size,
        pack: loom__v1__create_campaign_request__pack,
        lift: CreateCampaignRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension CreateCampaignRequest {
    init(lifting c: UnsafePointer<Loom__V1__CreateCampaignRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            campaignID: liftString(m.campaign_id, field: "loom.v1.CreateCampaignRequest.campaign_id"),
            migrationID: liftString(m.migration_id, field: "loom.v1.CreateCampaignRequest.migration_id"),
            description: liftString(m.description, field: "loom.v1.CreateCampaignRequest.description"),
            candidateIDs: liftStrings(m.n_candidate_ids, m.candidate_ids, field: "loom.v1.CreateCampaignRequest.candidate_ids"),
            status: CandidateStatus(cValue: m.status),
            kind: liftString(m.kind, field: "loom.v1.CreateCampaignRequest.kind"),
            idPrefix: liftString(m.id_prefix, field: "loom.v1.CreateCampaignRequest.id_prefix"),
            metadata: liftMap(m.n_metadata, m.metadata, field: "loom.v1.CreateCampaignRequest.metadata"),
            inputs: liftMap(m.n_inputs, m.inputs, field: "loom.v1.CreateCampaignRequest.inputs"),
            memberInputs: liftRepeated(m.n_member_inputs, m.member_inputs, CampaignMemberInputs.init(lifting:)),
            maxInFlight: m.max_in_flight,
            maxStartsPerMinute: m.max_starts_per_minute,
            maxFailures: m.max_failures,
            maxFailurePercent: m.max_failure_percent,
            minimumFinished: m.minimum_finished,
            preview: m.preview != 0
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__CreateCampaignRequest> {
        let c = arena.message(loom__v1__create_campaign_request__init)
        c.pointee.campaign_id = arena.string(campaignID)
        c.pointee.migration_id = arena.string(migrationID)
        c.pointee.description = arena.string(description)
        (c.pointee.n_candidate_ids, c.pointee.candidate_ids) = arena.strings(candidateIDs)
        c.pointee.status = status.cValue
        c.pointee.kind = arena.string(kind)
        c.pointee.id_prefix = arena.string(idPrefix)
        (c.pointee.n_metadata, c.pointee.metadata) = arena.map(metadata, as: Loom__V1__CreateCampaignRequest__MetadataEntry.self)
        (c.pointee.n_inputs, c.pointee.inputs) = arena.map(inputs, as: Loom__V1__CreateCampaignRequest__InputsEntry.self)
        (c.pointee.n_member_inputs, c.pointee.member_inputs) = arena.repeated(memberInputs) { $0.lower(into: arena) }
        c.pointee.max_in_flight = maxInFlight
        c.pointee.max_starts_per_minute = maxStartsPerMinute
        c.pointee.max_failures = maxFailures
        c.pointee.max_failure_percent = maxFailurePercent
        c.pointee.minimum_finished = minimumFinished
        c.pointee.preview = preview ? 1 : 0
        return c
    }
}

extension CreateCampaignResponse: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.CreateCampaignResponse`.
    public static var protoName: String { "loom.v1.CreateCampaignResponse" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<CreateCampaignResponse>(
        descriptor: loom__v1__create_campaign_response__descriptor,
        unpack: loom__v1__create_campaign_response__unpack,
        freeUnpacked: loom__v1__create_campaign_response__free_unpacked,
        packedSize: loom__v1__create_campaign_response__get_packed_size,
        pack: loom__v1__create_campaign_response__pack,
        lift: CreateCampaignResponse.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension CreateCampaignResponse {
    init(lifting c: UnsafePointer<Loom__V1__CreateCampaignResponse>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            campaign: liftOptional(m.campaign, Campaign.init(lifting:)),
            members: liftRepeated(m.n_members, m.members, CampaignMember.init(lifting:)),
            memberCount: m.member_count
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__CreateCampaignResponse> {
        let c = arena.message(loom__v1__create_campaign_response__init)
        c.pointee.campaign = campaign?.lower(into: arena)
        (c.pointee.n_members, c.pointee.members) = arena.repeated(members) { $0.lower(into: arena) }
        c.pointee.member_count = memberCount
        return c
    }
}

extension GetCampaignRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.GetCampaignRequest`.
    public static var protoName: String { "loom.v1.GetCampaignRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<GetCampaignRequest>(
        descriptor: loom__v1__get_campaign_request__descriptor,
        unpack: loom__v1__get_campaign_request__unpack,
        freeUnpacked: loom__v1__get_campaign_request__free_unpacked,
        packedSize: loom__v1__get_campaign_request__get_packed_size,
        pack: loom__v1__get_campaign_request__pack,
        lift: GetCampaignRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension GetCampaignRequest {
    init(lifting c: UnsafePointer<Loom__V1__GetCampaignRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            campaignID: liftString(m.campaign_id, field: "loom.v1.GetCampaignRequest.campaign_id")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__GetCampaignRequest> {
        let c = arena.message(loom__v1__get_campaign_request__init)
        c.pointee.campaign_id = arena.string(campaignID)
        return c
    }
}

extension ListCampaignsRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.ListCampaignsRequest`.
    public static var protoName: String { "loom.v1.ListCampaignsRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<ListCampaignsRequest>(
        descriptor: loom__v1__list_campaigns_request__descriptor,
        unpack: loom__v1__list_campaigns_request__unpack,
        freeUnpacked: loom__v1__list_campaigns_request__free_unpacked,
        packedSize: loom__v1__list_campaigns_request__get_packed_size,
        pack: loom__v1__list_campaigns_request__pack,
        lift: ListCampaignsRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension ListCampaignsRequest {
    init(lifting c: UnsafePointer<Loom__V1__ListCampaignsRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            migrationID: liftString(m.migration_id, field: "loom.v1.ListCampaignsRequest.migration_id"),
            pageSize: m.page_size,
            pageToken: liftString(m.page_token, field: "loom.v1.ListCampaignsRequest.page_token")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__ListCampaignsRequest> {
        let c = arena.message(loom__v1__list_campaigns_request__init)
        c.pointee.migration_id = arena.string(migrationID)
        c.pointee.page_size = pageSize
        c.pointee.page_token = arena.string(pageToken)
        return c
    }
}

extension ListCampaignsResponse: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.ListCampaignsResponse`.
    public static var protoName: String { "loom.v1.ListCampaignsResponse" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<ListCampaignsResponse>(
        descriptor: loom__v1__list_campaigns_response__descriptor,
        unpack: loom__v1__list_campaigns_response__unpack,
        freeUnpacked: loom__v1__list_campaigns_response__free_unpacked,
        packedSize: loom__v1__list_campaigns_response__get_packed_size,
        pack: loom__v1__list_campaigns_response__pack,
        lift: ListCampaignsResponse.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension ListCampaignsResponse {
    init(lifting c: UnsafePointer<Loom__V1__ListCampaignsResponse>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            campaigns: liftRepeated(m.n_campaigns, m.campaigns, Campaign.init(lifting:)),
            nextPageToken: liftString(m.next_page_token, field: "loom.v1.ListCampaignsResponse.next_page_token")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__ListCampaignsResponse> {
        let c = arena.message(loom__v1__list_campaigns_response__init)
        (c.pointee.n_campaigns, c.pointee.campaigns) = arena.repeated(campaigns) { $0.lower(into: arena) }
        c.pointee.next_page_token = arena.string(nextPageToken)
        return c
    }
}

extension ListCampaignMembersRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.ListCampaignMembersRequest`.
    public static var protoName: String { "loom.v1.ListCampaignMembersRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<ListCampaignMembersRequest>(
        descriptor: loom__v1__list_campaign_members_request__descriptor,
        unpack: loom__v1__list_campaign_members_request__unpack,
        freeUnpacked: loom__v1__list_campaign_members_request__free_unpacked,
        packedSize: loom__v1__list_campaign_members_request__get_packed_size,
        pack: loom__v1__list_campaign_members_request__pack,
        lift: ListCampaignMembersRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension ListCampaignMembersRequest {
    init(lifting c: UnsafePointer<Loom__V1__ListCampaignMembersRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            campaignID: liftString(m.campaign_id, field: "loom.v1.ListCampaignMembersRequest.campaign_id"),
            status: CampaignMemberStatus(cValue: m.status),
            pageSize: m.page_size,
            pageToken: liftString(m.page_token, field: "loom.v1.ListCampaignMembersRequest.page_token")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__ListCampaignMembersRequest> {
        let c = arena.message(loom__v1__list_campaign_members_request__init)
        c.pointee.campaign_id = arena.string(campaignID)
        c.pointee.status = status.cValue
        c.pointee.page_size = pageSize
        c.pointee.page_token = arena.string(pageToken)
        return c
    }
}

extension ListCampaignMembersResponse: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.ListCampaignMembersResponse`.
    public static var protoName: String { "loom.v1.ListCampaignMembersResponse" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<ListCampaignMembersResponse>(
        descriptor: loom__v1__list_campaign_members_response__descriptor,
        unpack: loom__v1__list_campaign_members_response__unpack,
        freeUnpacked: loom__v1__list_campaign_members_response__free_unpacked,
        packedSize: loom__v1__list_campaign_members_response__get_packed_size,
        pack: loom__v1__list_campaign_members_response__pack,
        lift: ListCampaignMembersResponse.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension ListCampaignMembersResponse {
    init(lifting c: UnsafePointer<Loom__V1__ListCampaignMembersResponse>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            members: liftRepeated(m.n_members, m.members, CampaignMember.init(lifting:)),
            nextPageToken: liftString(m.next_page_token, field: "loom.v1.ListCampaignMembersResponse.next_page_token")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__ListCampaignMembersResponse> {
        let c = arena.message(loom__v1__list_campaign_members_response__init)
        (c.pointee.n_members, c.pointee.members) = arena.repeated(members) { $0.lower(into: arena) }
        c.pointee.next_page_token = arena.string(nextPageToken)
        return c
    }
}

extension GetCampaignHistoryRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.GetCampaignHistoryRequest`.
    public static var protoName: String { "loom.v1.GetCampaignHistoryRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<GetCampaignHistoryRequest>(
        descriptor: loom__v1__get_campaign_history_request__descriptor,
        unpack: loom__v1__get_campaign_history_request__unpack,
        freeUnpacked: loom__v1__get_campaign_history_request__free_unpacked,
        packedSize: loom__v1__get_campaign_history_request__get_packed_size,
        pack: loom__v1__get_campaign_history_request__pack,
        lift: GetCampaignHistoryRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension GetCampaignHistoryRequest {
    init(lifting c: UnsafePointer<Loom__V1__GetCampaignHistoryRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            campaignID: liftString(m.campaign_id, field: "loom.v1.GetCampaignHistoryRequest.campaign_id"),
            limit: m.limit
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__GetCampaignHistoryRequest> {
        let c = arena.message(loom__v1__get_campaign_history_request__init)
        c.pointee.campaign_id = arena.string(campaignID)
        c.pointee.limit = limit
        return c
    }
}

extension GetCampaignHistoryResponse: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.GetCampaignHistoryResponse`.
    public static var protoName: String { "loom.v1.GetCampaignHistoryResponse" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<GetCampaignHistoryResponse>(
        descriptor: loom__v1__get_campaign_history_response__descriptor,
        unpack: loom__v1__get_campaign_history_response__unpack,
        freeUnpacked: loom__v1__get_campaign_history_response__free_unpacked,
        packedSize: loom__v1__get_campaign_history_response__get_packed_size,
        pack: loom__v1__get_campaign_history_response__pack,
        lift: GetCampaignHistoryResponse.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension GetCampaignHistoryResponse {
    init(lifting c: UnsafePointer<Loom__V1__GetCampaignHistoryResponse>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            events: liftRepeated(m.n_events, m.events, CampaignEvent.init(lifting:))
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__GetCampaignHistoryResponse> {
        let c = arena.message(loom__v1__get_campaign_history_response__init)
        (c.pointee.n_events, c.pointee.events) = arena.repeated(events) { $0.lower(into: arena) }
        return c
    }
}

extension PauseCampaignRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.PauseCampaignRequest`.
    public static var protoName: String { "loom.v1.PauseCampaignRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<PauseCampaignRequest>(
        descriptor: loom__v1__pause_campaign_request__descriptor,
        unpack: loom__v1__pause_campaign_request__unpack,
        freeUnpacked: loom__v1__pause_campaign_request__free_unpacked,
        packedSize: loom__v1__pause_campaign_request__get_packed_size,
        pack: loom__v1__pause_campaign_request__pack,
        lift: PauseCampaignRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension PauseCampaignRequest {
    init(lifting c: UnsafePointer<Loom__V1__PauseCampaignRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            campaignID: liftString(m.campaign_id, field: "loom.v1.PauseCampaignRequest.campaign_id"),
            reason: liftString(m.reason, field: "loom.v1.PauseCampaignRequest.reason")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__PauseCampaignRequest> {
        let c = arena.message(loom__v1__pause_campaign_request__init)
        c.pointee.campaign_id = arena.string(campaignID)
        c.pointee.reason = arena.string(reason)
        return c
    }
}

extension ResumeCampaignRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.ResumeCampaignRequest`.
    public static var protoName: String { "loom.v1.ResumeCampaignRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<ResumeCampaignRequest>(
        descriptor: loom__v1__resume_campaign_request__descriptor,
        unpack: loom__v1__resume_campaign_request__unpack,
        freeUnpacked: loom__v1__resume_campaign_request__free_unpacked,
        packedSize: loom__v1__resume_campaign_request__get_packed_size,
        pack: loom__v1__resume_campaign_request__pack,
        lift: ResumeCampaignRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension ResumeCampaignRequest {
    init(lifting c: UnsafePointer<Loom__V1__ResumeCampaignRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            campaignID: liftString(m.campaign_id, field: "loom.v1.ResumeCampaignRequest.campaign_id")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__ResumeCampaignRequest> {
        let c = arena.message(loom__v1__resume_campaign_request__init)
        c.pointee.campaign_id = arena.string(campaignID)
        return c
    }
}

extension UpdateCampaignRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.UpdateCampaignRequest`.
    public static var protoName: String { "loom.v1.UpdateCampaignRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<UpdateCampaignRequest>(
        descriptor: loom__v1__update_campaign_request__descriptor,
        unpack: loom__v1__update_campaign_request__unpack,
        freeUnpacked: loom__v1__update_campaign_request__free_unpacked,
        packedSize: loom__v1__update_campaign_request__get_packed_size,
        pack: loom__v1__update_campaign_request__pack,
        lift: UpdateCampaignRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension UpdateCampaignRequest {
    init(lifting c: UnsafePointer<Loom__V1__UpdateCampaignRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            campaignID: liftString(m.campaign_id, field: "loom.v1.UpdateCampaignRequest.campaign_id"),
            maxInFlight: m.max_in_flight,
            maxStartsPerMinute: m.max_starts_per_minute,
            updateBudget: m.update_budget != 0,
            maxFailures: m.max_failures,
            maxFailurePercent: m.max_failure_percent,
            minimumFinished: m.minimum_finished
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__UpdateCampaignRequest> {
        let c = arena.message(loom__v1__update_campaign_request__init)
        c.pointee.campaign_id = arena.string(campaignID)
        c.pointee.max_in_flight = maxInFlight
        c.pointee.max_starts_per_minute = maxStartsPerMinute
        c.pointee.update_budget = updateBudget ? 1 : 0
        c.pointee.max_failures = maxFailures
        c.pointee.max_failure_percent = maxFailurePercent
        c.pointee.minimum_finished = minimumFinished
        return c
    }
}
