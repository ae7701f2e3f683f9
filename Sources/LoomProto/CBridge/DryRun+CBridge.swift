// Conversion between the DryRun messages and their protobuf-c structs.
//
// Kept in step with Protos/loom/v1/loom.proto by hand; ContractTests fail when a message,
// field or enum value of the proto is missing here or out of order.

import CLoomProto
import CProtobufC

extension FileDiff: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.FileDiff`.
    public static var protoName: String { "loom.v1.FileDiff" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<FileDiff>(
        descriptor: loom__v1__file_diff__descriptor,
        unpack: loom__v1__file_diff__unpack,
        freeUnpacked: loom__v1__file_diff__free_unpacked,
        packedSize: loom__v1__file_diff__get_packed_size,
        pack: loom__v1__file_diff__pack,
        lift: FileDiff.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension FileDiff {
    init(lifting c: UnsafePointer<Loom__V1__FileDiff>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            path: liftString(m.path, field: "loom.v1.FileDiff.path"),
            repo: liftString(m.repo, field: "loom.v1.FileDiff.repo"),
            before: liftString(m.before, field: "loom.v1.FileDiff.before"),
            after: liftString(m.after, field: "loom.v1.FileDiff.after"),
            status: FileDiffStatus(cValue: m.status)
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__FileDiff> {
        let c = arena.message(loom__v1__file_diff__init)
        c.pointee.path = arena.string(path)
        c.pointee.repo = arena.string(repo)
        c.pointee.before = arena.string(before)
        c.pointee.after = arena.string(after)
        c.pointee.status = status.cValue
        return c
    }
}

extension StepDryRunResult: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.StepDryRunResult`.
    public static var protoName: String { "loom.v1.StepDryRunResult" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<StepDryRunResult>(
        descriptor: loom__v1__step_dry_run_result__descriptor,
        unpack: loom__v1__step_dry_run_result__unpack,
        freeUnpacked: loom__v1__step_dry_run_result__free_unpacked,
        packedSize: loom__v1__step_dry_run_result__get_packed_size,
        pack: loom__v1__step_dry_run_result__pack,
        lift: StepDryRunResult.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension StepDryRunResult {
    init(lifting c: UnsafePointer<Loom__V1__StepDryRunResult>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            stepName: liftString(m.step_name, field: "loom.v1.StepDryRunResult.step_name"),
            skipped: m.skipped != 0,
            error: liftString(m.error, field: "loom.v1.StepDryRunResult.error"),
            files: liftRepeated(m.n_files, m.files, FileDiff.init(lifting:))
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__StepDryRunResult> {
        let c = arena.message(loom__v1__step_dry_run_result__init)
        c.pointee.step_name = arena.string(stepName)
        c.pointee.skipped = skipped ? 1 : 0
        c.pointee.error = arena.string(error)
        (c.pointee.n_files, c.pointee.files) = arena.repeated(files) { $0.lower(into: arena) }
        return c
    }
}

extension DryRunResult: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.DryRunResult`.
    public static var protoName: String { "loom.v1.DryRunResult" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<DryRunResult>(
        descriptor: loom__v1__dry_run_result__descriptor,
        unpack: loom__v1__dry_run_result__unpack,
        freeUnpacked: loom__v1__dry_run_result__free_unpacked,
        packedSize: loom__v1__dry_run_result__get_packed_size,
        pack: loom__v1__dry_run_result__pack,
        lift: DryRunResult.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension DryRunResult {
    init(lifting c: UnsafePointer<Loom__V1__DryRunResult>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            steps: liftRepeated(m.n_steps, m.steps, StepDryRunResult.init(lifting:))
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__DryRunResult> {
        let c = arena.message(loom__v1__dry_run_result__init)
        (c.pointee.n_steps, c.pointee.steps) = arena.repeated(steps) { $0.lower(into: arena) }
        return c
    }
}
