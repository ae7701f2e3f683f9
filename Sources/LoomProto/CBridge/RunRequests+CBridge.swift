// Conversion between the RunRequests messages and their protobuf-c structs.
//
// Kept in step with Protos/loom/v1/loom.proto by hand; ContractTests fail when a message,
// field or enum value of the proto is missing here or out of order.

import CLoomProto
import CProtobufC

extension ListRunsRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.ListRunsRequest`.
    public static var protoName: String { "loom.v1.ListRunsRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<ListRunsRequest>(
        descriptor: loom__v1__list_runs_request__descriptor,
        unpack: loom__v1__list_runs_request__unpack,
        freeUnpacked: loom__v1__list_runs_request__free_unpacked,
        packedSize: loom__v1__list_runs_request__get_packed_size,
        pack: loom__v1__list_runs_request__pack,
        lift: ListRunsRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension ListRunsRequest {
    init(lifting c: UnsafePointer<Loom__V1__ListRunsRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            migrationID: liftString(m.migration_id, field: "loom.v1.ListRunsRequest.migration_id"),
            status: RunStatus(cValue: m.status),
            stepName: liftString(m.step_name, field: "loom.v1.ListRunsRequest.step_name"),
            stepStatus: StepStatus(cValue: m.step_status),
            updatedAfterUnixMs: m.updated_after_unix_ms,
            updatedBeforeUnixMs: m.updated_before_unix_ms,
            pageSize: m.page_size,
            pageToken: liftString(m.page_token, field: "loom.v1.ListRunsRequest.page_token"),
            stalled: m.stalled != 0
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__ListRunsRequest> {
        let c = arena.message(loom__v1__list_runs_request__init)
        c.pointee.migration_id = arena.string(migrationID)
        c.pointee.status = status.cValue
        c.pointee.step_name = arena.string(stepName)
        c.pointee.step_status = stepStatus.cValue
        c.pointee.updated_after_unix_ms = updatedAfterUnixMs
        c.pointee.updated_before_unix_ms = updatedBeforeUnixMs
        c.pointee.page_size = pageSize
        c.pointee.page_token = arena.string(pageToken)
        c.pointee.stalled = stalled ? 1 : 0
        return c
    }
}

extension ListRunsResponse: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.ListRunsResponse`.
    public static var protoName: String { "loom.v1.ListRunsResponse" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<ListRunsResponse>(
        descriptor: loom__v1__list_runs_response__descriptor,
        unpack: loom__v1__list_runs_response__unpack,
        freeUnpacked: loom__v1__list_runs_response__free_unpacked,
        packedSize: loom__v1__list_runs_response__get_packed_size,
        pack: loom__v1__list_runs_response__pack,
        lift: ListRunsResponse.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension ListRunsResponse {
    init(lifting c: UnsafePointer<Loom__V1__ListRunsResponse>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            runs: liftRepeated(m.n_runs, m.runs, Run.init(lifting:)),
            nextPageToken: liftString(m.next_page_token, field: "loom.v1.ListRunsResponse.next_page_token")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__ListRunsResponse> {
        let c = arena.message(loom__v1__list_runs_response__init)
        (c.pointee.n_runs, c.pointee.runs) = arena.repeated(runs) { $0.lower(into: arena) }
        c.pointee.next_page_token = arena.string(nextPageToken)
        return c
    }
}

extension StartRunRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.StartRunRequest`.
    public static var protoName: String { "loom.v1.StartRunRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<StartRunRequest>(
        descriptor: loom__v1__start_run_request__descriptor,
        unpack: loom__v1__start_run_request__unpack,
        freeUnpacked: loom__v1__start_run_request__free_unpacked,
        packedSize: loom__v1__start_run_request__get_packed_size,
        pack: loom__v1__start_run_request__pack,
        lift: StartRunRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension StartRunRequest {
    init(lifting c: UnsafePointer<Loom__V1__StartRunRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            migrationID: liftString(m.migration_id, field: "loom.v1.StartRunRequest.migration_id"),
            candidateID: liftString(m.candidate_id, field: "loom.v1.StartRunRequest.candidate_id"),
            inputs: liftMap(m.n_inputs, m.inputs, field: "loom.v1.StartRunRequest.inputs")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__StartRunRequest> {
        let c = arena.message(loom__v1__start_run_request__init)
        c.pointee.migration_id = arena.string(migrationID)
        c.pointee.candidate_id = arena.string(candidateID)
        (c.pointee.n_inputs, c.pointee.inputs) = arena.map(inputs, as: Loom__V1__StartRunRequest__InputsEntry.self)
        return c
    }
}

extension CancelRunRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.CancelRunRequest`.
    public static var protoName: String { "loom.v1.CancelRunRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<CancelRunRequest>(
        descriptor: loom__v1__cancel_run_request__descriptor,
        unpack: loom__v1__cancel_run_request__unpack,
        freeUnpacked: loom__v1__cancel_run_request__free_unpacked,
        packedSize: loom__v1__cancel_run_request__get_packed_size,
        pack: loom__v1__cancel_run_request__pack,
        lift: CancelRunRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension CancelRunRequest {
    init(lifting c: UnsafePointer<Loom__V1__CancelRunRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            migrationID: liftString(m.migration_id, field: "loom.v1.CancelRunRequest.migration_id"),
            candidateID: liftString(m.candidate_id, field: "loom.v1.CancelRunRequest.candidate_id"),
            reason: liftString(m.reason, field: "loom.v1.CancelRunRequest.reason"),
            failed: m.failed != 0
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__CancelRunRequest> {
        let c = arena.message(loom__v1__cancel_run_request__init)
        c.pointee.migration_id = arena.string(migrationID)
        c.pointee.candidate_id = arena.string(candidateID)
        c.pointee.reason = arena.string(reason)
        c.pointee.failed = failed ? 1 : 0
        return c
    }
}

extension RetryStepRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.RetryStepRequest`.
    public static var protoName: String { "loom.v1.RetryStepRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<RetryStepRequest>(
        descriptor: loom__v1__retry_step_request__descriptor,
        unpack: loom__v1__retry_step_request__unpack,
        freeUnpacked: loom__v1__retry_step_request__free_unpacked,
        packedSize: loom__v1__retry_step_request__get_packed_size,
        pack: loom__v1__retry_step_request__pack,
        lift: RetryStepRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension RetryStepRequest {
    init(lifting c: UnsafePointer<Loom__V1__RetryStepRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            migrationID: liftString(m.migration_id, field: "loom.v1.RetryStepRequest.migration_id"),
            candidateID: liftString(m.candidate_id, field: "loom.v1.RetryStepRequest.candidate_id"),
            stepName: liftString(m.step_name, field: "loom.v1.RetryStepRequest.step_name")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__RetryStepRequest> {
        let c = arena.message(loom__v1__retry_step_request__init)
        c.pointee.migration_id = arena.string(migrationID)
        c.pointee.candidate_id = arena.string(candidateID)
        c.pointee.step_name = arena.string(stepName)
        return c
    }
}

extension GetRunRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.GetRunRequest`.
    public static var protoName: String { "loom.v1.GetRunRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<GetRunRequest>(
        descriptor: loom__v1__get_run_request__descriptor,
        unpack: loom__v1__get_run_request__unpack,
        freeUnpacked: loom__v1__get_run_request__free_unpacked,
        packedSize: loom__v1__get_run_request__get_packed_size,
        pack: loom__v1__get_run_request__pack,
        lift: GetRunRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension GetRunRequest {
    init(lifting c: UnsafePointer<Loom__V1__GetRunRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            migrationID: liftString(m.migration_id, field: "loom.v1.GetRunRequest.migration_id"),
            candidateID: liftString(m.candidate_id, field: "loom.v1.GetRunRequest.candidate_id")
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__GetRunRequest> {
        let c = arena.message(loom__v1__get_run_request__init)
        c.pointee.migration_id = arena.string(migrationID)
        c.pointee.candidate_id = arena.string(candidateID)
        return c
    }
}

extension GetRunHistoryRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.GetRunHistoryRequest`.
    public static var protoName: String { "loom.v1.GetRunHistoryRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<GetRunHistoryRequest>(
        descriptor: loom__v1__get_run_history_request__descriptor,
        unpack: loom__v1__get_run_history_request__unpack,
        freeUnpacked: loom__v1__get_run_history_request__free_unpacked,
        packedSize: loom__v1__get_run_history_request__get_packed_size,
        pack: loom__v1__get_run_history_request__pack,
        lift: GetRunHistoryRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension GetRunHistoryRequest {
    init(lifting c: UnsafePointer<Loom__V1__GetRunHistoryRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            migrationID: liftString(m.migration_id, field: "loom.v1.GetRunHistoryRequest.migration_id"),
            candidateID: liftString(m.candidate_id, field: "loom.v1.GetRunHistoryRequest.candidate_id"),
            limit: m.limit
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__GetRunHistoryRequest> {
        let c = arena.message(loom__v1__get_run_history_request__init)
        c.pointee.migration_id = arena.string(migrationID)
        c.pointee.candidate_id = arena.string(candidateID)
        c.pointee.limit = limit
        return c
    }
}

extension GetRunHistoryResponse: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.GetRunHistoryResponse`.
    public static var protoName: String { "loom.v1.GetRunHistoryResponse" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<GetRunHistoryResponse>(
        descriptor: loom__v1__get_run_history_response__descriptor,
        unpack: loom__v1__get_run_history_response__unpack,
        freeUnpacked: loom__v1__get_run_history_response__free_unpacked,
        packedSize: loom__v1__get_run_history_response__get_packed_size,
        pack: loom__v1__get_run_history_response__pack,
        lift: GetRunHistoryResponse.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension GetRunHistoryResponse {
    init(lifting c: UnsafePointer<Loom__V1__GetRunHistoryResponse>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            entries: liftRepeated(m.n_entries, m.entries, HistoryEntry.init(lifting:))
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__GetRunHistoryResponse> {
        let c = arena.message(loom__v1__get_run_history_response__init)
        (c.pointee.n_entries, c.pointee.entries) = arena.repeated(entries) { $0.lower(into: arena) }
        return c
    }
}

extension DryRunRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.DryRunRequest`.
    public static var protoName: String { "loom.v1.DryRunRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<DryRunRequest>(
        descriptor: loom__v1__dry_run_request__descriptor,
        unpack: loom__v1__dry_run_request__unpack,
        freeUnpacked: loom__v1__dry_run_request__free_unpacked,
        packedSize: loom__v1__dry_run_request__get_packed_size,
        pack: loom__v1__dry_run_request__pack,
        lift: DryRunRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension DryRunRequest {
    init(lifting c: UnsafePointer<Loom__V1__DryRunRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            migrationID: liftString(m.migration_id, field: "loom.v1.DryRunRequest.migration_id"),
            candidateID: liftString(m.candidate_id, field: "loom.v1.DryRunRequest.candidate_id"),
            inputs: liftMap(m.n_inputs, m.inputs, field: "loom.v1.DryRunRequest.inputs"),
            candidate: liftOptional(m.candidate, Candidate.init(lifting:))
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__DryRunRequest> {
        let c = arena.message(loom__v1__dry_run_request__init)
        c.pointee.migration_id = arena.string(migrationID)
        c.pointee.candidate_id = arena.string(candidateID)
        (c.pointee.n_inputs, c.pointee.inputs) = arena.map(inputs, as: Loom__V1__DryRunRequest__InputsEntry.self)
        c.pointee.candidate = candidate?.lower(into: arena)
        return c
    }
}

extension ReportStepEventRequest: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.ReportStepEventRequest`.
    public static var protoName: String { "loom.v1.ReportStepEventRequest" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<ReportStepEventRequest>(
        descriptor: loom__v1__report_step_event_request__descriptor,
        unpack: loom__v1__report_step_event_request__unpack,
        freeUnpacked: loom__v1__report_step_event_request__free_unpacked,
        packedSize: loom__v1__report_step_event_request__get_packed_size,
        pack: loom__v1__report_step_event_request__pack,
        lift: ReportStepEventRequest.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension ReportStepEventRequest {
    init(lifting c: UnsafePointer<Loom__V1__ReportStepEventRequest>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            runID: liftString(m.run_id, field: "loom.v1.ReportStepEventRequest.run_id"),
            callbackToken: liftString(m.callback_token, field: "loom.v1.ReportStepEventRequest.callback_token"),
            event: liftOptional(m.event, StepEvent.init(lifting:))
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__ReportStepEventRequest> {
        let c = arena.message(loom__v1__report_step_event_request__init)
        c.pointee.run_id = arena.string(runID)
        c.pointee.callback_token = arena.string(callbackToken)
        c.pointee.event = event?.lower(into: arena)
        return c
    }
}

extension ReportStepEventResponse: LoomMessage {
    /// The fully qualified protobuf name, `loom.v1.ReportStepEventResponse`.
    public static var protoName: String { "loom.v1.ReportStepEventResponse" }

    /// The libprotobuf-c functions behind ``LoomMessage``; not for use outside LoomProto.
    public static let _codec = LoomMessageCodec<ReportStepEventResponse>(
        descriptor: loom__v1__report_step_event_response__descriptor,
        unpack: loom__v1__report_step_event_response__unpack,
        freeUnpacked: loom__v1__report_step_event_response__free_unpacked,
        packedSize: loom__v1__report_step_event_response__get_packed_size,
        pack: loom__v1__report_step_event_response__pack,
        lift: ReportStepEventResponse.init(lifting:),
        lower: { $0.lower(into: $1) }
    )
}

extension ReportStepEventResponse {
    init(lifting c: UnsafePointer<Loom__V1__ReportStepEventResponse>) throws(FieldError) {
        let m = c.pointee
        try self.init(
            status: liftString(m.status, field: "loom.v1.ReportStepEventResponse.status"),
            run: liftOptional(m.run, Run.init(lifting:))
        )
    }

    func lower(into arena: LoweringArena) -> UnsafeMutablePointer<Loom__V1__ReportStepEventResponse> {
        let c = arena.message(loom__v1__report_step_event_response__init)
        c.pointee.status = arena.string(status)
        c.pointee.run = run?.lower(into: arena)
        return c
    }
}
