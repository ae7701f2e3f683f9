// Conversion between the Migration messages and their protobuf-c structs.
//
// Kept in step with Protos/loom/v1/loom.proto by hand; ContractTests fail when a message,
// field or enum value of the proto is missing here or out of order.

import CLoomProto
import CProtobufC

extension InputDefinition: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.InputDefinition`.
    public static var protoName: String { "loom.v1.InputDefinition" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<InputDefinition>(
        descriptor: loom__v1__input_definition__descriptor,
        unpack: loom__v1__input_definition__unpack,
        freeUnpacked: loom__v1__input_definition__free_unpacked,
        packedSize: loom__v1__input_definition__get_packed_size,
        pack: loom__v1__input_definition__pack,
        lift: InputDefinition.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension InputDefinition {
    init(lifting c: UnsafePointer<Loom__V1__InputDefinition>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            name: liftString(m.name, field: "loom.v1.InputDefinition.name"),
            label: liftString(m.label, field: "loom.v1.InputDefinition.label")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__InputDefinition> {
        let c = arena.message(loom__v1__input_definition__init)
        c.pointee.name = arena.string(name)
        c.pointee.label = arena.string(label)
        return c
    }
}

extension StepDefinition: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.StepDefinition`.
    public static var protoName: String { "loom.v1.StepDefinition" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<StepDefinition>(
        descriptor: loom__v1__step_definition__descriptor,
        unpack: loom__v1__step_definition__unpack,
        freeUnpacked: loom__v1__step_definition__free_unpacked,
        packedSize: loom__v1__step_definition__get_packed_size,
        pack: loom__v1__step_definition__pack,
        lift: StepDefinition.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension StepDefinition {
    init(lifting c: UnsafePointer<Loom__V1__StepDefinition>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            name: liftString(m.name, field: "loom.v1.StepDefinition.name"),
            migratorApp: liftString(m.migrator_app, field: "loom.v1.StepDefinition.migrator_app"),
            description: liftString(m.description, field: "loom.v1.StepDefinition.description"),
            type: liftString(m.type, field: "loom.v1.StepDefinition.type"),
            config: liftMap(m.n_config, m.config, field: "loom.v1.StepDefinition.config")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__StepDefinition> {
        let c = arena.message(loom__v1__step_definition__init)
        c.pointee.name = arena.string(name)
        c.pointee.migrator_app = arena.string(migratorApp)
        c.pointee.description = arena.string(description)
        c.pointee.type = arena.string(type)
        (c.pointee.n_config, c.pointee.config) = arena.map(config, as: Loom__V1__StepDefinition__ConfigEntry.self)
        return c
    }
}

extension FileRef: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.FileRef`.
    public static var protoName: String { "loom.v1.FileRef" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<FileRef>(
        descriptor: loom__v1__file_ref__descriptor,
        unpack: loom__v1__file_ref__unpack,
        freeUnpacked: loom__v1__file_ref__free_unpacked,
        packedSize: loom__v1__file_ref__get_packed_size,
        pack: loom__v1__file_ref__pack,
        lift: FileRef.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension FileRef {
    init(lifting c: UnsafePointer<Loom__V1__FileRef>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            path: liftString(m.path, field: "loom.v1.FileRef.path"),
            url: liftString(m.url, field: "loom.v1.FileRef.url")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__FileRef> {
        let c = arena.message(loom__v1__file_ref__init)
        c.pointee.path = arena.string(path)
        c.pointee.url = arena.string(url)
        return c
    }
}

extension FileGroup: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.FileGroup`.
    public static var protoName: String { "loom.v1.FileGroup" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<FileGroup>(
        descriptor: loom__v1__file_group__descriptor,
        unpack: loom__v1__file_group__unpack,
        freeUnpacked: loom__v1__file_group__free_unpacked,
        packedSize: loom__v1__file_group__get_packed_size,
        pack: loom__v1__file_group__pack,
        lift: FileGroup.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension FileGroup {
    init(lifting c: UnsafePointer<Loom__V1__FileGroup>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            name: liftString(m.name, field: "loom.v1.FileGroup.name"),
            repo: liftString(m.repo, field: "loom.v1.FileGroup.repo"),
            files: liftRepeated(m.n_files, m.files, FileRef.init(lifting:))
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__FileGroup> {
        let c = arena.message(loom__v1__file_group__init)
        c.pointee.name = arena.string(name)
        c.pointee.repo = arena.string(repo)
        (c.pointee.n_files, c.pointee.files) = arena.repeated(files) { $0.lower(into: arena) }
        return c
    }
}

extension Candidate: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.Candidate`.
    public static var protoName: String { "loom.v1.Candidate" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<Candidate>(
        descriptor: loom__v1__candidate__descriptor,
        unpack: loom__v1__candidate__unpack,
        freeUnpacked: loom__v1__candidate__free_unpacked,
        packedSize: loom__v1__candidate__get_packed_size,
        pack: loom__v1__candidate__pack,
        lift: Candidate.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension Candidate {
    init(lifting c: UnsafePointer<Loom__V1__Candidate>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            id: liftString(m.id, field: "loom.v1.Candidate.id"),
            kind: liftString(m.kind, field: "loom.v1.Candidate.kind"),
            metadata: liftMap(m.n_metadata, m.metadata, field: "loom.v1.Candidate.metadata"),
            files: liftRepeated(m.n_files, m.files, FileGroup.init(lifting:)),
            status: CandidateStatus(cValue: m.status),
            steps: liftStrings(m.n_steps, m.steps, field: "loom.v1.Candidate.steps"),
            inputs: liftMap(m.n_inputs, m.inputs, field: "loom.v1.Candidate.inputs")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__Candidate> {
        let c = arena.message(loom__v1__candidate__init)
        c.pointee.id = arena.string(id)
        c.pointee.kind = arena.string(kind)
        (c.pointee.n_metadata, c.pointee.metadata) = arena.map(metadata, as: Loom__V1__Candidate__MetadataEntry.self)
        (c.pointee.n_files, c.pointee.files) = arena.repeated(files) { $0.lower(into: arena) }
        c.pointee.status = status.cValue
        (c.pointee.n_steps, c.pointee.steps) = arena.strings(steps)
        (c.pointee.n_inputs, c.pointee.inputs) = arena.map(inputs, as: Loom__V1__Candidate__InputsEntry.self)
        return c
    }
}

extension Migration: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.Migration`.
    public static var protoName: String { "loom.v1.Migration" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<Migration>(
        descriptor: loom__v1__migration__descriptor,
        unpack: loom__v1__migration__unpack,
        freeUnpacked: loom__v1__migration__free_unpacked,
        packedSize: loom__v1__migration__get_packed_size,
        pack: loom__v1__migration__pack,
        lift: Migration.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension Migration {
    init(lifting c: UnsafePointer<Loom__V1__Migration>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            id: liftString(m.id, field: "loom.v1.Migration.id"),
            name: liftString(m.name, field: "loom.v1.Migration.name"),
            description: liftString(m.description, field: "loom.v1.Migration.description"),
            migratorURL: liftString(m.migrator_url, field: "loom.v1.Migration.migrator_url"),
            requiredInputs: liftRepeated(m.n_required_inputs, m.required_inputs, InputDefinition.init(lifting:)),
            candidates: liftRepeated(m.n_candidates, m.candidates, Candidate.init(lifting:)),
            steps: liftRepeated(m.n_steps, m.steps, StepDefinition.init(lifting:)),
            createdAtUnixMs: m.created_at_unix_ms,
            updatedAtUnixMs: m.updated_at_unix_ms,
            owner: liftString(m.owner, field: "loom.v1.Migration.owner"),
            counts: liftOptional(m.counts, MigrationCounts.init(lifting:))
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__Migration> {
        let c = arena.message(loom__v1__migration__init)
        c.pointee.id = arena.string(id)
        c.pointee.name = arena.string(name)
        c.pointee.description = arena.string(description)
        c.pointee.migrator_url = arena.string(migratorURL)
        (c.pointee.n_required_inputs, c.pointee.required_inputs) = arena.repeated(requiredInputs) { $0.lower(into: arena) }
        (c.pointee.n_candidates, c.pointee.candidates) = arena.repeated(candidates) { $0.lower(into: arena) }
        (c.pointee.n_steps, c.pointee.steps) = arena.repeated(steps) { $0.lower(into: arena) }
        c.pointee.created_at_unix_ms = createdAtUnixMs
        c.pointee.updated_at_unix_ms = updatedAtUnixMs
        c.pointee.owner = arena.string(owner)
        c.pointee.counts = counts?.lower(into: arena)
        return c
    }
}

extension MigrationCounts: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.MigrationCounts`.
    public static var protoName: String { "loom.v1.MigrationCounts" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<MigrationCounts>(
        descriptor: loom__v1__migration_counts__descriptor,
        unpack: loom__v1__migration_counts__unpack,
        freeUnpacked: loom__v1__migration_counts__free_unpacked,
        packedSize: loom__v1__migration_counts__get_packed_size,
        pack: loom__v1__migration_counts__pack,
        lift: MigrationCounts.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension MigrationCounts {
    init(lifting c: UnsafePointer<Loom__V1__MigrationCounts>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            candidatesNotStarted: m.candidates_not_started,
            candidatesRunning: m.candidates_running,
            candidatesCompleted: m.candidates_completed,
            runsRunning: m.runs_running,
            runsWaitingRetry: m.runs_waiting_retry,
            runsCompleted: m.runs_completed,
            runsCancelled: m.runs_cancelled,
            runsFailed: m.runs_failed,
            steps: liftRepeated(m.n_steps, m.steps, StepCounts.init(lifting:))
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__MigrationCounts> {
        let c = arena.message(loom__v1__migration_counts__init)
        c.pointee.candidates_not_started = candidatesNotStarted
        c.pointee.candidates_running = candidatesRunning
        c.pointee.candidates_completed = candidatesCompleted
        c.pointee.runs_running = runsRunning
        c.pointee.runs_waiting_retry = runsWaitingRetry
        c.pointee.runs_completed = runsCompleted
        c.pointee.runs_cancelled = runsCancelled
        c.pointee.runs_failed = runsFailed
        (c.pointee.n_steps, c.pointee.steps) = arena.repeated(steps) { $0.lower(into: arena) }
        return c
    }
}

extension StepCounts: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.StepCounts`.
    public static var protoName: String { "loom.v1.StepCounts" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<StepCounts>(
        descriptor: loom__v1__step_counts__descriptor,
        unpack: loom__v1__step_counts__unpack,
        freeUnpacked: loom__v1__step_counts__free_unpacked,
        packedSize: loom__v1__step_counts__get_packed_size,
        pack: loom__v1__step_counts__pack,
        lift: StepCounts.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension StepCounts {
    init(lifting c: UnsafePointer<Loom__V1__StepCounts>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            stepName: liftString(m.step_name, field: "loom.v1.StepCounts.step_name"),
            inProgress: m.in_progress,
            open: m.open,
            awaitingReview: m.awaiting_review,
            failed: m.failed
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__StepCounts> {
        let c = arena.message(loom__v1__step_counts__init)
        c.pointee.step_name = arena.string(stepName)
        c.pointee.in_progress = inProgress
        c.pointee.open = open
        c.pointee.awaiting_review = awaitingReview
        c.pointee.failed = failed
        return c
    }
}
