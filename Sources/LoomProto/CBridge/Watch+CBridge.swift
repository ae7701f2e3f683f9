// Conversion between the Watch messages and their protobuf-c structs.
//
// Kept in step with Protos/loom/v1/loom.proto by hand; ContractTests fail when a message,
// field or enum value of the proto is missing here or out of order.

import CLoomProto
import CProtobufC

extension WatchRunRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.WatchRunRequest`.
    public static var protoName: String { "loom.v1.WatchRunRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<WatchRunRequest>(
        descriptor: loom__v1__watch_run_request__descriptor,
        unpack: loom__v1__watch_run_request__unpack,
        freeUnpacked: loom__v1__watch_run_request__free_unpacked,
        packedSize: loom__v1__watch_run_request__get_packed_size,
        pack: loom__v1__watch_run_request__pack,
        lift: WatchRunRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension WatchRunRequest {
    init(lifting c: UnsafePointer<Loom__V1__WatchRunRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            migrationID: liftString(m.migration_id, field: "loom.v1.WatchRunRequest.migration_id"),
            candidateID: liftString(m.candidate_id, field: "loom.v1.WatchRunRequest.candidate_id"),
            fromVersion: m.from_version
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__WatchRunRequest> {
        let c = arena.message(loom__v1__watch_run_request__init)
        c.pointee.migration_id = arena.string(migrationID)
        c.pointee.candidate_id = arena.string(candidateID)
        c.pointee.from_version = fromVersion
        return c
    }
}

extension RunUpdate: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.RunUpdate`.
    public static var protoName: String { "loom.v1.RunUpdate" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<RunUpdate>(
        descriptor: loom__v1__run_update__descriptor,
        unpack: loom__v1__run_update__unpack,
        freeUnpacked: loom__v1__run_update__free_unpacked,
        packedSize: loom__v1__run_update__get_packed_size,
        pack: loom__v1__run_update__pack,
        lift: RunUpdate.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension RunUpdate {
    init(lifting c: UnsafePointer<Loom__V1__RunUpdate>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            run: liftOptional(m.run, Run.init(lifting:)),
            entry: liftOptional(m.entry, HistoryEntry.init(lifting:)),
            entries: liftRepeated(m.n_entries, m.entries, HistoryEntry.init(lifting:))
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__RunUpdate> {
        let c = arena.message(loom__v1__run_update__init)
        c.pointee.run = run?.lower(into: arena)
        c.pointee.entry = entry?.lower(into: arena)
        (c.pointee.n_entries, c.pointee.entries) = arena.repeated(entries) { $0.lower(into: arena) }
        return c
    }
}

extension WatchMigrationRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.WatchMigrationRequest`.
    public static var protoName: String { "loom.v1.WatchMigrationRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<WatchMigrationRequest>(
        descriptor: loom__v1__watch_migration_request__descriptor,
        unpack: loom__v1__watch_migration_request__unpack,
        freeUnpacked: loom__v1__watch_migration_request__free_unpacked,
        packedSize: loom__v1__watch_migration_request__get_packed_size,
        pack: loom__v1__watch_migration_request__pack,
        lift: WatchMigrationRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension WatchMigrationRequest {
    init(lifting c: UnsafePointer<Loom__V1__WatchMigrationRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            migrationID: liftString(m.migration_id, field: "loom.v1.WatchMigrationRequest.migration_id")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__WatchMigrationRequest> {
        let c = arena.message(loom__v1__watch_migration_request__init)
        c.pointee.migration_id = arena.string(migrationID)
        return c
    }
}

extension MigrationUpdate: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.MigrationUpdate`.
    public static var protoName: String { "loom.v1.MigrationUpdate" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<MigrationUpdate>(
        descriptor: loom__v1__migration_update__descriptor,
        unpack: loom__v1__migration_update__unpack,
        freeUnpacked: loom__v1__migration_update__free_unpacked,
        packedSize: loom__v1__migration_update__get_packed_size,
        pack: loom__v1__migration_update__pack,
        lift: MigrationUpdate.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension MigrationUpdate {
    init(lifting c: UnsafePointer<Loom__V1__MigrationUpdate>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            counts: liftOptional(m.counts, MigrationCounts.init(lifting:)),
            runs: liftRepeated(m.n_runs, m.runs, Run.init(lifting:)),
            truncated: m.truncated != 0
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__MigrationUpdate> {
        let c = arena.message(loom__v1__migration_update__init)
        c.pointee.counts = counts?.lower(into: arena)
        (c.pointee.n_runs, c.pointee.runs) = arena.repeated(runs) { $0.lower(into: arena) }
        c.pointee.truncated = truncated ? 1 : 0
        return c
    }
}
