// Events from migrators.
//
// Mirrors Protos/loom/v1/loom.proto; field docs are the proto's comments.
//
// Kept in step with Protos/loom/v1/loom.proto by hand; ContractTests fail when a message,
// field or enum value of the proto is missing here or out of order.

/// A migrator's (or operator's) report about a step; the typed twin of the
/// REST body `StepCompletedEvent`.
///
/// The Swift form of `loom.v1.StepEvent`.
public struct StepEvent: Sendable, Hashable {
    /// The step the event is about; must be the run's current step.
    public var stepName: String
    /// Must equal the run's candidate id.
    public var candidateID: String
    /// false = the step failed.
    public var success: Bool
    /// With success: "" or "completed" or "merged" advance; "open" and
    /// "awaiting_review" keep the step waiting; anything else fails the step.
    public var phase: String
    /// Merged into the step result's metadata. A "phase" key is honoured when the
    /// top-level phase is empty (the reference migrator's merge callback).
    public var metadata: [String: String]
    /// Why the step failed, when success is false.
    public var failureReason: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        stepName: String = "",
        candidateID: String = "",
        success: Bool = false,
        phase: String = "",
        metadata: [String: String] = [:],
        failureReason: String = ""
    ) {
        self.stepName = stepName
        self.candidateID = candidateID
        self.success = success
        self.phase = phase
        self.metadata = metadata
        self.failureReason = failureReason
    }
}
