// Conversion between the campaign messages and their protobuf-c structs.
//
// Kept in step with Protos/loom/v1/loom.proto by hand; ContractTests fail when a message,
// field or enum value of the proto is missing here or out of order.

import CLoomProto
import CProtobufC

extension CampaignCounts: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.CampaignCounts`.
    public static var protoName: String { "loom.v1.CampaignCounts" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<CampaignCounts>(
        descriptor: loom__v1__campaign_counts__descriptor,
        unpack: loom__v1__campaign_counts__unpack,
        freeUnpacked: loom__v1__campaign_counts__free_unpacked,
        packedSize: loom__v1__campaign_counts__get_packed_size,
        pack: loom__v1__campaign_counts__pack,
        lift: CampaignCounts.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension CampaignCounts {
    init(lifting c: UnsafePointer<Loom__V1__CampaignCounts>) throws(FieldError) {
        let m = c.pointee
        self.init(
            pending: m.pending,
            running: m.running,
            completed: m.completed,
            failed: m.failed,
            skipped: m.skipped,
            cancelled: m.cancelled
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__CampaignCounts> {
        let c = arena.message(loom__v1__campaign_counts__init)
        c.pointee.pending = pending
        c.pointee.running = running
        c.pointee.completed = completed
        c.pointee.failed = failed
        c.pointee.skipped = skipped
        c.pointee.cancelled = cancelled
        return c
    }
}

extension Campaign: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.Campaign`.
    public static var protoName: String { "loom.v1.Campaign" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<Campaign>(
        descriptor: loom__v1__campaign__descriptor,
        unpack: loom__v1__campaign__unpack,
        freeUnpacked: loom__v1__campaign__free_unpacked,
        packedSize: loom__v1__campaign__get_packed_size,
        pack: loom__v1__campaign__pack,
        lift: Campaign.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension Campaign {
    init(lifting c: UnsafePointer<Loom__V1__Campaign>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            id: liftString(m.id, field: "loom.v1.Campaign.id"),
            migrationID: liftString(m.migration_id, field: "loom.v1.Campaign.migration_id"),
            description: liftString(m.description, field: "loom.v1.Campaign.description"),
            createdBy: liftString(m.created_by, field: "loom.v1.Campaign.created_by"),
            createdAtUnixMs: m.created_at_unix_ms,
            updatedAtUnixMs: m.updated_at_unix_ms,
            state: CampaignState(cValue: m.state),
            stateReason: liftString(m.state_reason, field: "loom.v1.Campaign.state_reason"),
            maxInFlight: m.max_in_flight,
            maxStartsPerMinute: m.max_starts_per_minute,
            maxFailures: m.max_failures,
            maxFailurePercent: m.max_failure_percent,
            minimumFinished: m.minimum_finished,
            inputs: liftMap(m.n_inputs, m.inputs, field: "loom.v1.Campaign.inputs"),
            explicitCandidates: m.explicit_candidates != 0,
            filterStatus: CandidateStatus(cValue: m.filter_status),
            filterKind: liftString(m.filter_kind, field: "loom.v1.Campaign.filter_kind"),
            filterIDPrefix: liftString(m.filter_id_prefix, field: "loom.v1.Campaign.filter_id_prefix"),
            filterMetadata: liftMap(m.n_filter_metadata, m.filter_metadata, field: "loom.v1.Campaign.filter_metadata"),
            counts: liftOptional(m.counts, CampaignCounts.init(lifting:)),
            version: m.version
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__Campaign> {
        let c = arena.message(loom__v1__campaign__init)
        c.pointee.id = arena.string(id)
        c.pointee.migration_id = arena.string(migrationID)
        c.pointee.description = arena.string(description)
        c.pointee.created_by = arena.string(createdBy)
        c.pointee.created_at_unix_ms = createdAtUnixMs
        c.pointee.updated_at_unix_ms = updatedAtUnixMs
        c.pointee.state = state.cValue
        c.pointee.state_reason = arena.string(stateReason)
        c.pointee.max_in_flight = maxInFlight
        c.pointee.max_starts_per_minute = maxStartsPerMinute
        c.pointee.max_failures = maxFailures
        c.pointee.max_failure_percent = maxFailurePercent
        c.pointee.minimum_finished = minimumFinished
        (c.pointee.n_inputs, c.pointee.inputs) = arena.map(inputs, as: Loom__V1__Campaign__InputsEntry.self)
        c.pointee.explicit_candidates = explicitCandidates ? 1 : 0
        c.pointee.filter_status = filterStatus.cValue
        c.pointee.filter_kind = arena.string(filterKind)
        c.pointee.filter_id_prefix = arena.string(filterIDPrefix)
        (c.pointee.n_filter_metadata, c.pointee.filter_metadata) = arena.map(filterMetadata, as: Loom__V1__Campaign__FilterMetadataEntry.self)
        c.pointee.counts = counts?.lower(into: arena)
        c.pointee.version = version
        return c
    }
}

extension CampaignMember: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.CampaignMember`.
    public static var protoName: String { "loom.v1.CampaignMember" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<CampaignMember>(
        descriptor: loom__v1__campaign_member__descriptor,
        unpack: loom__v1__campaign_member__unpack,
        freeUnpacked: loom__v1__campaign_member__free_unpacked,
        packedSize: loom__v1__campaign_member__get_packed_size,
        pack: loom__v1__campaign_member__pack,
        lift: CampaignMember.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension CampaignMember {
    init(lifting c: UnsafePointer<Loom__V1__CampaignMember>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            candidateID: liftString(m.candidate_id, field: "loom.v1.CampaignMember.candidate_id"),
            inputs: liftMap(m.n_inputs, m.inputs, field: "loom.v1.CampaignMember.inputs"),
            status: CampaignMemberStatus(cValue: m.status),
            startedAtUnixMs: m.started_at_unix_ms,
            runGeneration: m.run_generation,
            note: liftString(m.note, field: "loom.v1.CampaignMember.note")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__CampaignMember> {
        let c = arena.message(loom__v1__campaign_member__init)
        c.pointee.candidate_id = arena.string(candidateID)
        (c.pointee.n_inputs, c.pointee.inputs) = arena.map(inputs, as: Loom__V1__CampaignMember__InputsEntry.self)
        c.pointee.status = status.cValue
        c.pointee.started_at_unix_ms = startedAtUnixMs
        c.pointee.run_generation = runGeneration
        c.pointee.note = arena.string(note)
        return c
    }
}

extension CampaignEvent: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.CampaignEvent`.
    public static var protoName: String { "loom.v1.CampaignEvent" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<CampaignEvent>(
        descriptor: loom__v1__campaign_event__descriptor,
        unpack: loom__v1__campaign_event__unpack,
        freeUnpacked: loom__v1__campaign_event__free_unpacked,
        packedSize: loom__v1__campaign_event__get_packed_size,
        pack: loom__v1__campaign_event__pack,
        lift: CampaignEvent.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension CampaignEvent {
    init(lifting c: UnsafePointer<Loom__V1__CampaignEvent>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            atUnixMs: m.at_unix_ms,
            kind: CampaignEventKind(cValue: m.kind),
            by: liftString(m.by, field: "loom.v1.CampaignEvent.by"),
            detail: liftString(m.detail, field: "loom.v1.CampaignEvent.detail")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__CampaignEvent> {
        let c = arena.message(loom__v1__campaign_event__init)
        c.pointee.at_unix_ms = atUnixMs
        c.pointee.kind = kind.cValue
        c.pointee.by = arena.string(by)
        c.pointee.detail = arena.string(detail)
        return c
    }
}

extension CampaignMemberInputs: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.CampaignMemberInputs`.
    public static var protoName: String { "loom.v1.CampaignMemberInputs" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<CampaignMemberInputs>(
        descriptor: loom__v1__campaign_member_inputs__descriptor,
        unpack: loom__v1__campaign_member_inputs__unpack,
        freeUnpacked: loom__v1__campaign_member_inputs__free_unpacked,
        packedSize: loom__v1__campaign_member_inputs__get_packed_size,
        pack: loom__v1__campaign_member_inputs__pack,
        lift: CampaignMemberInputs.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension CampaignMemberInputs {
    init(lifting c: UnsafePointer<Loom__V1__CampaignMemberInputs>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            candidateID: liftString(m.candidate_id, field: "loom.v1.CampaignMemberInputs.candidate_id"),
            inputs: liftMap(m.n_inputs, m.inputs, field: "loom.v1.CampaignMemberInputs.inputs")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__CampaignMemberInputs> {
        let c = arena.message(loom__v1__campaign_member_inputs__init)
        c.pointee.candidate_id = arena.string(candidateID)
        (c.pointee.n_inputs, c.pointee.inputs) = arena.map(inputs, as: Loom__V1__CampaignMemberInputs__InputsEntry.self)
        return c
    }
}
