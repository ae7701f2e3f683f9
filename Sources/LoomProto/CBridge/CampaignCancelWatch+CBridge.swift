// Conversion between the CancelCampaign and WatchCampaign messages and their protobuf-c structs.
//
// Kept in step with Protos/loom/v1/loom.proto by hand; ContractTests fail when a message,
// field or enum value of the proto is missing here or out of order.

import CLoomProto
import CProtobufC

extension CancelCampaignRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.CancelCampaignRequest`.
    public static var protoName: String { "loom.v1.CancelCampaignRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<CancelCampaignRequest>(
        descriptor: loom__v1__cancel_campaign_request__descriptor,
        unpack: loom__v1__cancel_campaign_request__unpack,
        freeUnpacked: loom__v1__cancel_campaign_request__free_unpacked,
        packedSize: loom__v1__cancel_campaign_request__get_packed_size,
        pack: loom__v1__cancel_campaign_request__pack,
        lift: CancelCampaignRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension CancelCampaignRequest {
    init(lifting c: UnsafePointer<Loom__V1__CancelCampaignRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            campaignID: liftString(m.campaign_id, field: "loom.v1.CancelCampaignRequest.campaign_id"),
            cancelRuns: m.cancel_runs != 0
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__CancelCampaignRequest> {
        let c = arena.message(loom__v1__cancel_campaign_request__init)
        c.pointee.campaign_id = arena.string(campaignID)
        c.pointee.cancel_runs = cancelRuns ? 1 : 0
        return c
    }
}

extension CancelCampaignResponse: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.CancelCampaignResponse`.
    public static var protoName: String { "loom.v1.CancelCampaignResponse" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<CancelCampaignResponse>(
        descriptor: loom__v1__cancel_campaign_response__descriptor,
        unpack: loom__v1__cancel_campaign_response__unpack,
        freeUnpacked: loom__v1__cancel_campaign_response__free_unpacked,
        packedSize: loom__v1__cancel_campaign_response__get_packed_size,
        pack: loom__v1__cancel_campaign_response__pack,
        lift: CancelCampaignResponse.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension CancelCampaignResponse {
    init(lifting c: UnsafePointer<Loom__V1__CancelCampaignResponse>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            campaign: liftOptional(m.campaign, Campaign.init(lifting:)),
            runsCancelled: m.runs_cancelled
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__CancelCampaignResponse> {
        let c = arena.message(loom__v1__cancel_campaign_response__init)
        c.pointee.campaign = campaign?.lower(into: arena)
        c.pointee.runs_cancelled = runsCancelled
        return c
    }
}

extension WatchCampaignRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.WatchCampaignRequest`.
    public static var protoName: String { "loom.v1.WatchCampaignRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<WatchCampaignRequest>(
        descriptor: loom__v1__watch_campaign_request__descriptor,
        unpack: loom__v1__watch_campaign_request__unpack,
        freeUnpacked: loom__v1__watch_campaign_request__free_unpacked,
        packedSize: loom__v1__watch_campaign_request__get_packed_size,
        pack: loom__v1__watch_campaign_request__pack,
        lift: WatchCampaignRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension WatchCampaignRequest {
    init(lifting c: UnsafePointer<Loom__V1__WatchCampaignRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            campaignID: liftString(m.campaign_id, field: "loom.v1.WatchCampaignRequest.campaign_id")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__WatchCampaignRequest> {
        let c = arena.message(loom__v1__watch_campaign_request__init)
        c.pointee.campaign_id = arena.string(campaignID)
        return c
    }
}

extension CampaignUpdate: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.CampaignUpdate`.
    public static var protoName: String { "loom.v1.CampaignUpdate" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<CampaignUpdate>(
        descriptor: loom__v1__campaign_update__descriptor,
        unpack: loom__v1__campaign_update__unpack,
        freeUnpacked: loom__v1__campaign_update__free_unpacked,
        packedSize: loom__v1__campaign_update__get_packed_size,
        pack: loom__v1__campaign_update__pack,
        lift: CampaignUpdate.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension CampaignUpdate {
    init(lifting c: UnsafePointer<Loom__V1__CampaignUpdate>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            campaign: liftOptional(m.campaign, Campaign.init(lifting:))
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__CampaignUpdate> {
        let c = arena.message(loom__v1__campaign_update__init)
        c.pointee.campaign = campaign?.lower(into: arena)
        return c
    }
}
