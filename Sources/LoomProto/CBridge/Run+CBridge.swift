// Conversion between the Run messages and their protobuf-c structs.
//
// Kept in step with Protos/loom/v1/loom.proto by hand; ContractTests fail when a message,
// field or enum value of the proto is missing here or out of order.

import CLoomProto
import CProtobufC

extension StepResult: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.StepResult`.
    public static var protoName: String { "loom.v1.StepResult" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<StepResult>(
        descriptor: loom__v1__step_result__descriptor,
        unpack: loom__v1__step_result__unpack,
        freeUnpacked: loom__v1__step_result__free_unpacked,
        packedSize: loom__v1__step_result__get_packed_size,
        pack: loom__v1__step_result__pack,
        lift: StepResult.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension StepResult {
    init(lifting c: UnsafePointer<Loom__V1__StepResult>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            stepName: liftString(m.step_name, field: "loom.v1.StepResult.step_name"),
            candidate: liftOptional(m.candidate, Candidate.init(lifting:)),
            status: StepStatus(cValue: m.status),
            metadata: liftMap(m.n_metadata, m.metadata, field: "loom.v1.StepResult.metadata"),
            attempt: m.attempt,
            startedAtUnixMs: m.started_at_unix_ms,
            updatedAtUnixMs: m.updated_at_unix_ms,
            finishedAtUnixMs: m.finished_at_unix_ms,
            failureReason: liftString(m.failure_reason, field: "loom.v1.StepResult.failure_reason"),
            dispatchCount: m.dispatch_count,
            phase: liftString(m.phase, field: "loom.v1.StepResult.phase")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__StepResult> {
        let c = arena.message(loom__v1__step_result__init)
        c.pointee.step_name = arena.string(stepName)
        c.pointee.candidate = candidate?.lower(into: arena)
        c.pointee.status = status.cValue
        (c.pointee.n_metadata, c.pointee.metadata) = arena.map(metadata, as: Loom__V1__StepResult__MetadataEntry.self)
        c.pointee.attempt = attempt
        c.pointee.started_at_unix_ms = startedAtUnixMs
        c.pointee.updated_at_unix_ms = updatedAtUnixMs
        c.pointee.finished_at_unix_ms = finishedAtUnixMs
        c.pointee.failure_reason = arena.string(failureReason)
        c.pointee.dispatch_count = dispatchCount
        c.pointee.phase = arena.string(phase)
        return c
    }
}

extension Run: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.Run`.
    public static var protoName: String { "loom.v1.Run" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<Run>(
        descriptor: loom__v1__run__descriptor,
        unpack: loom__v1__run__unpack,
        freeUnpacked: loom__v1__run__free_unpacked,
        packedSize: loom__v1__run__get_packed_size,
        pack: loom__v1__run__pack,
        lift: Run.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension Run {
    init(lifting c: UnsafePointer<Loom__V1__Run>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            id: liftString(m.id, field: "loom.v1.Run.id"),
            migrationID: liftString(m.migration_id, field: "loom.v1.Run.migration_id"),
            candidateID: liftString(m.candidate_id, field: "loom.v1.Run.candidate_id"),
            status: RunStatus(cValue: m.status),
            currentStep: m.current_step,
            results: liftRepeated(m.n_results, m.results, StepResult.init(lifting:)),
            steps: liftRepeated(m.n_steps, m.steps, StepDefinition.init(lifting:)),
            candidate: liftOptional(m.candidate, Candidate.init(lifting:)),
            migratorURL: liftString(m.migrator_url, field: "loom.v1.Run.migrator_url"),
            inputs: liftMap(m.n_inputs, m.inputs, field: "loom.v1.Run.inputs"),
            createdAtUnixMs: m.created_at_unix_ms,
            updatedAtUnixMs: m.updated_at_unix_ms,
            finishedAtUnixMs: m.finished_at_unix_ms,
            failureReason: liftString(m.failure_reason, field: "loom.v1.Run.failure_reason"),
            version: m.version,
            generation: m.generation,
            startedBy: liftString(m.started_by, field: "loom.v1.Run.started_by"),
            stalledSinceUnixMs: m.stalled_since_unix_ms
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__Run> {
        let c = arena.message(loom__v1__run__init)
        c.pointee.id = arena.string(id)
        c.pointee.migration_id = arena.string(migrationID)
        c.pointee.candidate_id = arena.string(candidateID)
        c.pointee.status = status.cValue
        c.pointee.current_step = currentStep
        (c.pointee.n_results, c.pointee.results) = arena.repeated(results) { $0.lower(into: arena) }
        (c.pointee.n_steps, c.pointee.steps) = arena.repeated(steps) { $0.lower(into: arena) }
        c.pointee.candidate = candidate?.lower(into: arena)
        c.pointee.migrator_url = arena.string(migratorURL)
        (c.pointee.n_inputs, c.pointee.inputs) = arena.map(inputs, as: Loom__V1__Run__InputsEntry.self)
        c.pointee.created_at_unix_ms = createdAtUnixMs
        c.pointee.updated_at_unix_ms = updatedAtUnixMs
        c.pointee.finished_at_unix_ms = finishedAtUnixMs
        c.pointee.failure_reason = arena.string(failureReason)
        c.pointee.version = version
        c.pointee.generation = generation
        c.pointee.started_by = arena.string(startedBy)
        c.pointee.stalled_since_unix_ms = stalledSinceUnixMs
        return c
    }
}

extension HistoryEntry: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.HistoryEntry`.
    public static var protoName: String { "loom.v1.HistoryEntry" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<HistoryEntry>(
        descriptor: loom__v1__history_entry__descriptor,
        unpack: loom__v1__history_entry__unpack,
        freeUnpacked: loom__v1__history_entry__free_unpacked,
        packedSize: loom__v1__history_entry__get_packed_size,
        pack: loom__v1__history_entry__pack,
        lift: HistoryEntry.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension HistoryEntry {
    init(lifting c: UnsafePointer<Loom__V1__HistoryEntry>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            id: liftString(m.id, field: "loom.v1.HistoryEntry.id"),
            atUnixMs: m.at_unix_ms,
            kind: HistoryKind(cValue: m.kind),
            stepName: liftString(m.step_name, field: "loom.v1.HistoryEntry.step_name"),
            attempt: m.attempt,
            stepStatus: StepStatus(cValue: m.step_status),
            runStatus: RunStatus(cValue: m.run_status),
            detail: liftString(m.detail, field: "loom.v1.HistoryEntry.detail"),
            generation: m.generation,
            runVersion: m.run_version
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__HistoryEntry> {
        let c = arena.message(loom__v1__history_entry__init)
        c.pointee.id = arena.string(id)
        c.pointee.at_unix_ms = atUnixMs
        c.pointee.kind = kind.cValue
        c.pointee.step_name = arena.string(stepName)
        c.pointee.attempt = attempt
        c.pointee.step_status = stepStatus.cValue
        c.pointee.run_status = runStatus.cValue
        c.pointee.detail = arena.string(detail)
        c.pointee.generation = generation
        c.pointee.run_version = runVersion
        return c
    }
}
