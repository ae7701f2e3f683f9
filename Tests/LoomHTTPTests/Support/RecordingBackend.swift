import LoomHTTP
import LoomMigratorKit
import NIOConcurrencyHelpers

/// A ``CallbackShimBackend`` that records calls and can fail or stall on demand.
final class RecordingBackend: CallbackShimBackend {
    enum Call: Equatable, Sendable {
        case announce(ReferenceJSON.MigrationAnnouncement, ShimCaller)
        case candidates([ReferenceJSON.Candidate], migrationId: String)
        case event(ReferenceJSON.StepCompletedEvent, callbackId: String, ShimCaller)
    }

    private let calls = NIOLockedValueBox<[Call]>([])
    private let failure: (@Sendable (Call) async throws -> Void)?

    /// - Parameter failure: Runs on every call (after recording it); may throw or suspend.
    init(failure: (@Sendable (Call) async throws -> Void)? = nil) {
        self.failure = failure
    }

    var recorded: [Call] { self.calls.withLockedValue { $0 } }

    private func record(_ call: Call) async throws {
        self.calls.withLockedValue { $0.append(call) }
        try await self.failure?(call)
    }

    func announce(_ announcement: ReferenceJSON.MigrationAnnouncement, caller: ShimCaller) async throws -> [ReferenceJSON.RejectedCandidate] {
        try await self.record(.announce(announcement, caller))
        return []
    }

    func submitCandidates(
        _ candidates: [ReferenceJSON.Candidate], migrationId: String, caller: ShimCaller
    ) async throws -> [ReferenceJSON.RejectedCandidate] {
        try await self.record(.candidates(candidates, migrationId: migrationId))
        return []
    }

    func recordEvent(_ event: ReferenceJSON.StepCompletedEvent, callbackId: String, caller: ShimCaller) async throws -> ShimEventOutcome {
        try await self.record(.event(event, callbackId: callbackId, caller))
        return .applied
    }
}
