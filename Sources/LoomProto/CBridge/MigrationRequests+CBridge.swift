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
            migration: liftOptional(m.migration, Migration.init(lifting:))
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__AnnounceResponse> {
        let c = arena.message(loom__v1__announce_response__init)
        c.pointee.migration = migration?.lower(into: arena)
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
            skippedIDs: liftStrings(m.n_skipped_ids, m.skipped_ids, field: "loom.v1.SubmitCandidatesResponse.skipped_ids")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__SubmitCandidatesResponse> {
        let c = arena.message(loom__v1__submit_candidates_response__init)
        c.pointee.accepted = accepted
        (c.pointee.n_skipped_ids, c.pointee.skipped_ids) = arena.strings(skippedIDs)
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
            migrationID: liftString(m.migration_id, field: "loom.v1.ListCandidatesRequest.migration_id")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__ListCandidatesRequest> {
        let c = arena.message(loom__v1__list_candidates_request__init)
        c.pointee.migration_id = arena.string(migrationID)
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
            candidates: liftRepeated(m.n_candidates, m.candidates, Candidate.init(lifting:))
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__ListCandidatesResponse> {
        let c = arena.message(loom__v1__list_candidates_response__init)
        (c.pointee.n_candidates, c.pointee.candidates) = arena.repeated(candidates) { $0.lower(into: arena) }
        return c
    }
}
