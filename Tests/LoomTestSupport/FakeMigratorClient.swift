import LoomCore

/// A scriptable migrator: records every dispatch and dry run, answers with success by
/// default, and can fail the next calls or run a hook (e.g. post an event back into the
/// service *before* the dispatch returns, as the reference migrator does).
public final class FakeMigratorClient: MigratorClient {
    /// What the fake does with a dispatch.
    public typealias DispatchHook = @Sendable (DispatchStepRequest) async throws -> Void
    /// What the fake does with a status check before it answers (e.g. deliver the callback first).
    public typealias StatusHook = @Sendable (StepStatusRequest) async throws -> Void

    private struct State {
        var dispatches: [DispatchStepRequest] = []
        var dryRuns: [DryRunRequest] = []
        var failures: [MigratorCallError] = []
        var alwaysFail: MigratorCallError?
        var hook: DispatchHook?
        var dryRunAnswer: Result<DryRunResult, MigratorCallError> = .success(DryRunResult(steps: []))
        var statusRequests: [StepStatusRequest] = []
        var statusAnswers: [Result<StepStatusAnswer, MigratorCallError>] = []
        var statusHook: StatusHook?
    }

    private let state = Locked(State())

    /// Creates a fake that accepts every call.
    public init() {}

    /// Every dispatch received, in order.
    public var dispatches: [DispatchStepRequest] { state.current.dispatches }

    /// Every dry run received, in order.
    public var dryRuns: [DryRunRequest] { state.current.dryRuns }

    /// Dispatches of `stepName`, in order.
    public func dispatches(of stepName: String) -> [DispatchStepRequest] {
        dispatches.filter { $0.stepName == stepName }
    }

    /// The next dispatches fail with these errors, one each, in order.
    public func failNextDispatches(_ errors: [MigratorCallError]) {
        state.withLock { $0.failures.append(contentsOf: errors) }
    }

    /// Every dispatch fails with `error` until called with `nil` (migrator down / back up).
    public func failAllDispatches(_ error: MigratorCallError?) {
        state.withLock { $0.alwaysFail = error }
    }

    /// Runs `hook` inside every successful dispatch, before it returns (`nil` removes it).
    public func onDispatch(_ hook: DispatchHook?) {
        state.withLock { $0.hook = hook }
    }

    /// What dry runs answer.
    public func answerDryRuns(with answer: Result<DryRunResult, MigratorCallError>) {
        state.withLock { $0.dryRunAnswer = answer }
    }

    /// Every status check received, in order.
    public var statusRequests: [StepStatusRequest] { state.current.statusRequests }

    /// The next status checks answer these, one each, in order; once they are used up, checks
    /// answer 404 (no such endpoint, like the reference migrator).
    public func answerStatusChecks(_ answers: [Result<StepStatusAnswer, MigratorCallError>]) {
        state.withLock { $0.statusAnswers.append(contentsOf: answers) }
    }

    /// Runs `hook` inside every status check, before it answers (`nil` removes it).
    public func onStepStatus(_ hook: StatusHook?) {
        state.withLock { $0.statusHook = hook }
    }

    /// Records the status check, runs the hook, then answers as scripted.
    public func stepStatus(_ request: StepStatusRequest, baseURL: String, timeout: Duration) async throws -> StepStatusAnswer {
        let (answer, hook) = state.withLock { state -> (Result<StepStatusAnswer, MigratorCallError>, StatusHook?) in
            state.statusRequests.append(request)
            let answer = state.statusAnswers.isEmpty ? .success(.unsupported(httpStatus: 404)) : state.statusAnswers.removeFirst()
            return (answer, state.statusHook)
        }
        try await hook?(request)
        return try answer.get()
    }

    /// Records the dispatch; fails if scripted to, else runs the hook.
    public func dispatchStep(_ request: DispatchStepRequest, baseURL: String, timeout: Duration) async throws {
        let (failure, hook) = state.withLock { state -> (MigratorCallError?, DispatchHook?) in
            state.dispatches.append(request)
            if let error = state.alwaysFail { return (error, nil) }
            if !state.failures.isEmpty { return (state.failures.removeFirst(), nil) }
            return (nil, state.hook)
        }
        if let failure { throw failure }
        try await hook?(request)
    }

    /// Records the dry run and answers as scripted.
    public func dryRun(_ request: DryRunRequest, baseURL: String, timeout: Duration) async throws -> DryRunResult {
        let answer = state.withLock { state in
            state.dryRuns.append(request)
            return state.dryRunAnswer
        }
        return try answer.get()
    }
}
