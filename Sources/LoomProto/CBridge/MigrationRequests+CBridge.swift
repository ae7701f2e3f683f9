// Conversion between the MigrationRequests messages and their protobuf-c structs.
//
// Kept in step with Protos/loom/v1/loom.proto by hand; ContractTests fail when a message,
// field or enum value of the proto is missing here or out of order.

import CLoomProto
import CProtobufC

extension AnnounceRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.AnnounceRequest`.
    public static var protoName: String { "loom.v1.AnnounceRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<AnnounceRequest>(
        descriptor: loom__v1__announce_request__descriptor,
        unpack: loom__v1__announce_request__unpack,
        freeUnpacked: loom__v1__announce_request__free_unpacked,
        packedSize: loom__v1__announce_request__get_packed_size,
        pack: loom__v1__announce_request__pack,
        lift: AnnounceRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension AnnounceRequest {
    init(lifting c: UnsafePointer<Loom__V1__AnnounceRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            migration: liftOptional(m.migration, Migration.init(lifting:))
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__AnnounceRequest> {
        let c = arena.message(loom__v1__announce_request__init)
        c.pointee.migration = migration?.lower(into: arena)
        return c
    }
}

extension AnnounceResponse: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.AnnounceResponse`.
    public static var protoName: String { "loom.v1.AnnounceResponse" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<AnnounceResponse>(
        descriptor: loom__v1__announce_response__descriptor,
        unpack: loom__v1__announce_response__unpack,
        freeUnpacked: loom__v1__announce_response__free_unpacked,
        packedSize: loom__v1__announce_response__get_packed_size,
        pack: loom__v1__announce_response__pack,
        lift: AnnounceResponse.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension AnnounceResponse {
    init(lifting c: UnsafePointer<Loom__V1__AnnounceResponse>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            migration: liftOptional(m.migration, Migration.init(lifting:)),
            rejectedCandidates: liftRepeated(m.n_rejected_candidates, m.rejected_candidates, RejectedCandidate.init(lifting:))
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__AnnounceResponse> {
        let c = arena.message(loom__v1__announce_response__init)
        c.pointee.migration = migration?.lower(into: arena)
        (c.pointee.n_rejected_candidates, c.pointee.rejected_candidates) = arena.repeated(rejectedCandidates) { $0.lower(into: arena) }
        return c
    }
}

extension RejectedCandidate: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.RejectedCandidate`.
    public static var protoName: String { "loom.v1.RejectedCandidate" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<RejectedCandidate>(
        descriptor: loom__v1__rejected_candidate__descriptor,
        unpack: loom__v1__rejected_candidate__unpack,
        freeUnpacked: loom__v1__rejected_candidate__free_unpacked,
        packedSize: loom__v1__rejected_candidate__get_packed_size,
        pack: loom__v1__rejected_candidate__pack,
        lift: RejectedCandidate.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension RejectedCandidate {
    init(lifting c: UnsafePointer<Loom__V1__RejectedCandidate>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            id: liftString(m.id, field: "loom.v1.RejectedCandidate.id"),
            reason: liftString(m.reason, field: "loom.v1.RejectedCandidate.reason")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__RejectedCandidate> {
        let c = arena.message(loom__v1__rejected_candidate__init)
        c.pointee.id = arena.string(id)
        c.pointee.reason = arena.string(reason)
        return c
    }
}

extension ListMigrationsRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.ListMigrationsRequest`.
    public static var protoName: String { "loom.v1.ListMigrationsRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<ListMigrationsRequest>(
        descriptor: loom__v1__list_migrations_request__descriptor,
        unpack: loom__v1__list_migrations_request__unpack,
        freeUnpacked: loom__v1__list_migrations_request__free_unpacked,
        packedSize: loom__v1__list_migrations_request__get_packed_size,
        pack: loom__v1__list_migrations_request__pack,
        lift: ListMigrationsRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension ListMigrationsRequest {
    init(lifting c: UnsafePointer<Loom__V1__ListMigrationsRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            pageSize: m.page_size,
            pageToken: liftString(m.page_token, field: "loom.v1.ListMigrationsRequest.page_token")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__ListMigrationsRequest> {
        let c = arena.message(loom__v1__list_migrations_request__init)
        c.pointee.page_size = pageSize
        c.pointee.page_token = arena.string(pageToken)
        return c
    }
}

extension ListMigrationsResponse: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.ListMigrationsResponse`.
    public static var protoName: String { "loom.v1.ListMigrationsResponse" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<ListMigrationsResponse>(
        descriptor: loom__v1__list_migrations_response__descriptor,
        unpack: loom__v1__list_migrations_response__unpack,
        freeUnpacked: loom__v1__list_migrations_response__free_unpacked,
        packedSize: loom__v1__list_migrations_response__get_packed_size,
        pack: loom__v1__list_migrations_response__pack,
        lift: ListMigrationsResponse.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension ListMigrationsResponse {
    init(lifting c: UnsafePointer<Loom__V1__ListMigrationsResponse>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            migrations: liftRepeated(m.n_migrations, m.migrations, Migration.init(lifting:)),
            nextPageToken: liftString(m.next_page_token, field: "loom.v1.ListMigrationsResponse.next_page_token")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__ListMigrationsResponse> {
        let c = arena.message(loom__v1__list_migrations_response__init)
        (c.pointee.n_migrations, c.pointee.migrations) = arena.repeated(migrations) { $0.lower(into: arena) }
        c.pointee.next_page_token = arena.string(nextPageToken)
        return c
    }
}

extension GetMigrationRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.GetMigrationRequest`.
    public static var protoName: String { "loom.v1.GetMigrationRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<GetMigrationRequest>(
        descriptor: loom__v1__get_migration_request__descriptor,
        unpack: loom__v1__get_migration_request__unpack,
        freeUnpacked: loom__v1__get_migration_request__free_unpacked,
        packedSize: loom__v1__get_migration_request__get_packed_size,
        pack: loom__v1__get_migration_request__pack,
        lift: GetMigrationRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension GetMigrationRequest {
    init(lifting c: UnsafePointer<Loom__V1__GetMigrationRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            migrationID: liftString(m.migration_id, field: "loom.v1.GetMigrationRequest.migration_id")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__GetMigrationRequest> {
        let c = arena.message(loom__v1__get_migration_request__init)
        c.pointee.migration_id = arena.string(migrationID)
        return c
    }
}

extension SubmitCandidatesRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.SubmitCandidatesRequest`.
    public static var protoName: String { "loom.v1.SubmitCandidatesRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<SubmitCandidatesRequest>(
        descriptor: loom__v1__submit_candidates_request__descriptor,
        unpack: loom__v1__submit_candidates_request__unpack,
        freeUnpacked: loom__v1__submit_candidates_request__free_unpacked,
        packedSize: loom__v1__submit_candidates_request__get_packed_size,
        pack: loom__v1__submit_candidates_request__pack,
        lift: SubmitCandidatesRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension SubmitCandidatesRequest {
    init(lifting c: UnsafePointer<Loom__V1__SubmitCandidatesRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            migrationID: liftString(m.migration_id, field: "loom.v1.SubmitCandidatesRequest.migration_id"),
            candidates: liftRepeated(m.n_candidates, m.candidates, Candidate.init(lifting:))
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__SubmitCandidatesRequest> {
        let c = arena.message(loom__v1__submit_candidates_request__init)
        c.pointee.migration_id = arena.string(migrationID)
        (c.pointee.n_candidates, c.pointee.candidates) = arena.repeated(candidates) { $0.lower(into: arena) }
        return c
    }
}

extension SubmitCandidatesResponse: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.SubmitCandidatesResponse`.
    public static var protoName: String { "loom.v1.SubmitCandidatesResponse" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<SubmitCandidatesResponse>(
        descriptor: loom__v1__submit_candidates_response__descriptor,
        unpack: loom__v1__submit_candidates_response__unpack,
        freeUnpacked: loom__v1__submit_candidates_response__free_unpacked,
        packedSize: loom__v1__submit_candidates_response__get_packed_size,
        pack: loom__v1__submit_candidates_response__pack,
        lift: SubmitCandidatesResponse.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension SubmitCandidatesResponse {
    init(lifting c: UnsafePointer<Loom__V1__SubmitCandidatesResponse>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            accepted: m.accepted,
            skippedIDs: liftStrings(m.n_skipped_ids, m.skipped_ids, field: "loom.v1.SubmitCandidatesResponse.skipped_ids"),
            rejected: liftRepeated(m.n_rejected, m.rejected, RejectedCandidate.init(lifting:))
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__SubmitCandidatesResponse> {
        let c = arena.message(loom__v1__submit_candidates_response__init)
        c.pointee.accepted = accepted
        (c.pointee.n_skipped_ids, c.pointee.skipped_ids) = arena.strings(skippedIDs)
        (c.pointee.n_rejected, c.pointee.rejected) = arena.repeated(rejected) { $0.lower(into: arena) }
        return c
    }
}

extension UpdateCandidateInputsRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.UpdateCandidateInputsRequest`.
    public static var protoName: String { "loom.v1.UpdateCandidateInputsRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<UpdateCandidateInputsRequest>(
        descriptor: loom__v1__update_candidate_inputs_request__descriptor,
        unpack: loom__v1__update_candidate_inputs_request__unpack,
        freeUnpacked: loom__v1__update_candidate_inputs_request__free_unpacked,
        packedSize: loom__v1__update_candidate_inputs_request__get_packed_size,
        pack: loom__v1__update_candidate_inputs_request__pack,
        lift: UpdateCandidateInputsRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension UpdateCandidateInputsRequest {
    init(lifting c: UnsafePointer<Loom__V1__UpdateCandidateInputsRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            migrationID: liftString(m.migration_id, field: "loom.v1.UpdateCandidateInputsRequest.migration_id"),
            candidateID: liftString(m.candidate_id, field: "loom.v1.UpdateCandidateInputsRequest.candidate_id"),
            inputs: liftMap(m.n_inputs, m.inputs, field: "loom.v1.UpdateCandidateInputsRequest.inputs")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__UpdateCandidateInputsRequest> {
        let c = arena.message(loom__v1__update_candidate_inputs_request__init)
        c.pointee.migration_id = arena.string(migrationID)
        c.pointee.candidate_id = arena.string(candidateID)
        (c.pointee.n_inputs, c.pointee.inputs) = arena.map(inputs, as: Loom__V1__UpdateCandidateInputsRequest__InputsEntry.self)
        return c
    }
}

extension ListCandidatesRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.ListCandidatesRequest`.
    public static var protoName: String { "loom.v1.ListCandidatesRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<ListCandidatesRequest>(
        descriptor: loom__v1__list_candidates_request__descriptor,
        unpack: loom__v1__list_candidates_request__unpack,
        freeUnpacked: loom__v1__list_candidates_request__free_unpacked,
        packedSize: loom__v1__list_candidates_request__get_packed_size,
        pack: loom__v1__list_candidates_request__pack,
        lift: ListCandidatesRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension ListCandidatesRequest {
    init(lifting c: UnsafePointer<Loom__V1__ListCandidatesRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            migrationID: liftString(m.migration_id, field: "loom.v1.ListCandidatesRequest.migration_id"),
            pageSize: m.page_size,
            pageToken: liftString(m.page_token, field: "loom.v1.ListCandidatesRequest.page_token"),
            status: CandidateStatus(cValue: m.status),
            kind: liftString(m.kind, field: "loom.v1.ListCandidatesRequest.kind"),
            idPrefix: liftString(m.id_prefix, field: "loom.v1.ListCandidatesRequest.id_prefix"),
            metadata: liftMap(m.n_metadata, m.metadata, field: "loom.v1.ListCandidatesRequest.metadata")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__ListCandidatesRequest> {
        let c = arena.message(loom__v1__list_candidates_request__init)
        c.pointee.migration_id = arena.string(migrationID)
        c.pointee.page_size = pageSize
        c.pointee.page_token = arena.string(pageToken)
        c.pointee.status = status.cValue
        c.pointee.kind = arena.string(kind)
        c.pointee.id_prefix = arena.string(idPrefix)
        (c.pointee.n_metadata, c.pointee.metadata) = arena.map(metadata, as: Loom__V1__ListCandidatesRequest__MetadataEntry.self)
        return c
    }
}

extension ListCandidatesResponse: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.ListCandidatesResponse`.
    public static var protoName: String { "loom.v1.ListCandidatesResponse" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<ListCandidatesResponse>(
        descriptor: loom__v1__list_candidates_response__descriptor,
        unpack: loom__v1__list_candidates_response__unpack,
        freeUnpacked: loom__v1__list_candidates_response__free_unpacked,
        packedSize: loom__v1__list_candidates_response__get_packed_size,
        pack: loom__v1__list_candidates_response__pack,
        lift: ListCandidatesResponse.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension ListCandidatesResponse {
    init(lifting c: UnsafePointer<Loom__V1__ListCandidatesResponse>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            candidates: liftRepeated(m.n_candidates, m.candidates, Candidate.init(lifting:)),
            nextPageToken: liftString(m.next_page_token, field: "loom.v1.ListCandidatesResponse.next_page_token")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__ListCandidatesResponse> {
        let c = arena.message(loom__v1__list_candidates_response__init)
        (c.pointee.n_candidates, c.pointee.candidates) = arena.repeated(candidates) { $0.lower(into: arena) }
        c.pointee.next_page_token = arena.string(nextPageToken)
        return c
    }
}

extension RecountMigrationRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.RecountMigrationRequest`.
    public static var protoName: String { "loom.v1.RecountMigrationRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<RecountMigrationRequest>(
        descriptor: loom__v1__recount_migration_request__descriptor,
        unpack: loom__v1__recount_migration_request__unpack,
        freeUnpacked: loom__v1__recount_migration_request__free_unpacked,
        packedSize: loom__v1__recount_migration_request__get_packed_size,
        pack: loom__v1__recount_migration_request__pack,
        lift: RecountMigrationRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension RecountMigrationRequest {
    init(lifting c: UnsafePointer<Loom__V1__RecountMigrationRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            migrationID: liftString(m.migration_id, field: "loom.v1.RecountMigrationRequest.migration_id"),
            repair: m.repair != 0
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__RecountMigrationRequest> {
        let c = arena.message(loom__v1__recount_migration_request__init)
        c.pointee.migration_id = arena.string(migrationID)
        c.pointee.repair = repair ? 1 : 0
        return c
    }
}

extension RecountMigrationResponse: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.RecountMigrationResponse`.
    public static var protoName: String { "loom.v1.RecountMigrationResponse" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<RecountMigrationResponse>(
        descriptor: loom__v1__recount_migration_response__descriptor,
        unpack: loom__v1__recount_migration_response__unpack,
        freeUnpacked: loom__v1__recount_migration_response__free_unpacked,
        packedSize: loom__v1__recount_migration_response__get_packed_size,
        pack: loom__v1__recount_migration_response__pack,
        lift: RecountMigrationResponse.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension RecountMigrationResponse {
    init(lifting c: UnsafePointer<Loom__V1__RecountMigrationResponse>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            stored: liftOptional(m.stored, MigrationCounts.init(lifting:)),
            recounted: liftOptional(m.recounted, MigrationCounts.init(lifting:)),
            drift: liftStrings(m.n_drift, m.drift, field: "loom.v1.RecountMigrationResponse.drift"),
            repaired: m.repaired != 0
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__RecountMigrationResponse> {
        let c = arena.message(loom__v1__recount_migration_response__init)
        c.pointee.stored = stored?.lower(into: arena)
        c.pointee.recounted = recounted?.lower(into: arena)
        (c.pointee.n_drift, c.pointee.drift) = arena.strings(drift)
        c.pointee.repaired = repaired ? 1 : 0
        return c
    }
}
