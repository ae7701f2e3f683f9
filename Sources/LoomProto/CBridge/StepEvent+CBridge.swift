// Conversion between the StepEvent messages and their protobuf-c structs.
//
// Kept in step with Protos/loom/v1/loom.proto by hand; ContractTests fail when a message,
// field or enum value of the proto is missing here or out of order.

import CLoomProto
import CProtobufC

extension StepEvent: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.StepEvent`.
    public static var protoName: String { "loom.v1.StepEvent" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<StepEvent>(
        descriptor: loom__v1__step_event__descriptor,
        unpack: loom__v1__step_event__unpack,
        freeUnpacked: loom__v1__step_event__free_unpacked,
        packedSize: loom__v1__step_event__get_packed_size,
        pack: loom__v1__step_event__pack,
        lift: StepEvent.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension StepEvent {
    init(lifting c: UnsafePointer<Loom__V1__StepEvent>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            stepName: liftString(m.step_name, field: "loom.v1.StepEvent.step_name"),
            candidateID: liftString(m.candidate_id, field: "loom.v1.StepEvent.candidate_id"),
            success: m.success != 0,
            phase: liftString(m.phase, field: "loom.v1.StepEvent.phase"),
            metadata: liftMap(m.n_metadata, m.metadata, field: "loom.v1.StepEvent.metadata"),
            failureReason: liftString(m.failure_reason, field: "loom.v1.StepEvent.failure_reason")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__StepEvent> {
        let c = arena.message(loom__v1__step_event__init)
        c.pointee.step_name = arena.string(stepName)
        c.pointee.candidate_id = arena.string(candidateID)
        c.pointee.success = success ? 1 : 0
        c.pointee.phase = arena.string(phase)
        (c.pointee.n_metadata, c.pointee.metadata) = arena.map(metadata, as: Loom__V1__StepEvent__MetadataEntry.self)
        c.pointee.failure_reason = arena.string(failureReason)
        return c
    }
}
