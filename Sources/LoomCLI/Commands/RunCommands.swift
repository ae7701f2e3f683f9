import ArgumentParser
import LoomProto
import LoomRPC

/// The run a `run …` subcommand acts on.
public struct RunTarget: ParsableArguments, Sendable {
    /// The migration id.
    @Argument(help: "Migration id.") public var migration: String
    /// The candidate id.
    @Argument(help: "Candidate id.") public var candidate: String

    /// Creates the arguments.
    public init() {}
}

/// `loomctl run …`
public struct RunCommand: AsyncParsableCommand {
    /// The run subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Start, inspect, watch, retry, approve, reject and cancel runs.",
        subcommands: [Start.self, Show.self, History.self, Watch.self, Retry.self, Approve.self, Reject.self, Cancel.self]
    )

    /// Creates the command.
    public init() {}

    /// Prints a run returned by a call: the run table, or its JSON.
    static func emit(_ run: Run, session: Session) {
        session.emit(json: JSONOutput.run(run), table: session.tables.run(run))
    }

    /// `run start M C [--input k=v ...]`.
    public struct Start: LoomCommand {
        /// Name and abstract.
        public static let configuration = CommandConfiguration(abstract: "Start (or restart after a cancel) a run (StartRun).")
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// The run.
        @OptionGroup public var target: RunTarget
        /// Operator inputs.
        @Option(name: .customLong("input"), help: ArgumentHelp("Operator input, one per required input of the migration (repeatable).", valueName: "key=value"))
        public var inputs: [String] = []

        /// Creates the command.
        public init() {}

        /// Starts the run.
        public func execute(_ session: Session) async throws {
            let request = StartRunRequest(migrationID: target.migration, candidateID: target.candidate, inputs: try InputParsing.inputs(inputs))
            RunCommand.emit(try await session.client.startRun(request, options: session.callOptions), session: session)
        }
    }

    /// `run cancel M C [--reason TEXT]`.
    public struct Cancel: LoomCommand {
        /// Name and abstract.
        public static let configuration = CommandConfiguration(
            abstract: "Cancel a run, or with --failed give up on a failed one (CancelRun).",
            discussion: """
                Either way the candidate returns to not_started and can be started again. --failed ends the run                 FAILED instead of CANCELLED: for a run whose step failed (waiting_retry) that an operator will not                 retry; it is counted as failed in the migration's counts.
                """)
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// The run.
        @OptionGroup public var target: RunTarget
        /// Why.
        @Option(help: "Reason, recorded in the run's history.") public var reason: String = ""
        /// End as failed.
        @Flag(help: "End the run failed instead of cancelled (only a run waiting for a retry).") public var failed = false

        /// Creates the command.
        public init() {}

        /// Cancels the run.
        public func execute(_ session: Session) async throws {
            let request = CancelRunRequest(migrationID: target.migration, candidateID: target.candidate, reason: reason, failed: failed)
            RunCommand.emit(try await session.client.cancelRun(request, options: session.callOptions), session: session)
        }
    }

    /// `run retry M C STEP`.
    public struct Retry: LoomCommand {
        /// Name and abstract.
        public static let configuration = CommandConfiguration(abstract: "Retry the failed current step of a run (RetryStep).")
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// The run.
        @OptionGroup public var target: RunTarget
        /// The failed step.
        @Argument(help: "The run's current, failed step.") public var step: String

        /// Creates the command.
        public init() {}

        /// Retries the step.
        public func execute(_ session: Session) async throws {
            let request = RetryStepRequest(migrationID: target.migration, candidateID: target.candidate, stepName: step)
            RunCommand.emit(try await session.client.retryStep(request, options: session.callOptions), session: session)
        }
    }

    /// `run show M C`.
    public struct Show: LoomCommand {
        /// Name and abstract.
        public static let configuration = CommandConfiguration(abstract: "Show a run and its steps (GetRun).")
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// The run.
        @OptionGroup public var target: RunTarget

        /// Creates the command.
        public init() {}

        /// Reads the run.
        public func execute(_ session: Session) async throws {
            let request = GetRunRequest(migrationID: target.migration, candidateID: target.candidate)
            RunCommand.emit(try await session.client.getRun(request, options: session.callOptions), session: session)
        }
    }

    /// `run history M C [--limit N]`.
    public struct History: LoomCommand {
        /// Name and abstract.
        public static let configuration = CommandConfiguration(abstract: "Show a run's transitions, oldest first (GetRunHistory).")
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// The run.
        @OptionGroup public var target: RunTarget
        /// Newest entries only.
        @Option(help: "Show only the newest N entries (default: all retained).") public var limit: UInt32?

        /// Creates the command.
        public init() {}

        /// `--limit` must be positive.
        public func validate() throws {
            if limit == 0 { throw ValidationError("--limit must be at least 1") }
        }

        /// Reads the history.
        public func execute(_ session: Session) async throws {
            let request = GetRunHistoryRequest(migrationID: target.migration, candidateID: target.candidate, limit: limit ?? 0)
            let response = try await session.client.getRunHistory(request, options: session.callOptions)
            session.emit(json: response.entries.map(JSONOutput.historyEntry), table: session.tables.history(response.entries))
        }
    }

    /// `run approve M C [--step S]`.
    public struct Approve: LoomCommand {
        /// Name, abstract and discussion.
        public static let configuration = CommandConfiguration(
            abstract: "Complete the run's current step, e.g. a manual review (ReportStepEvent, success).",
            discussion: "Uses your client certificate's identity: the server trusts step events from an authenticated caller in every callback auth mode, token included."
        )
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// The run.
        @OptionGroup public var target: RunTarget
        /// The step, if not the current one.
        @Option(help: "The step to complete (default: the run's current step).") public var step: String?

        /// Creates the command.
        public init() {}

        /// Reports success for the step.
        public func execute(_ session: Session) async throws {
            try await RunCommand.report(success: true, reason: "", step: step, target: target, session: session)
        }
    }

    /// `run reject M C [--step S] [--reason TEXT]`.
    public struct Reject: LoomCommand {
        /// Name, abstract and discussion.
        public static let configuration = CommandConfiguration(
            abstract: "Fail the run's current step, e.g. reject a manual review (ReportStepEvent, failure).",
            discussion: "The run then waits for run retry or run cancel. Uses your client certificate's identity."
        )
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// The run.
        @OptionGroup public var target: RunTarget
        /// The step, if not the current one.
        @Option(help: "The step to fail (default: the run's current step).") public var step: String?
        /// Why.
        @Option(help: "Failure reason shown on the step.") public var reason: String = "rejected by operator"

        /// Creates the command.
        public init() {}

        /// Reports failure for the step.
        public func execute(_ session: Session) async throws {
            try await RunCommand.report(success: false, reason: reason, step: step, target: target, session: session)
        }
    }

    /// Reads the run (for its id and current step), then reports a step event for it without a callback token.
    static func report(success: Bool, reason: String, step: String?, target: RunTarget, session: Session) async throws {
        let run = try await session.client.getRun(
            GetRunRequest(migrationID: target.migration, candidateID: target.candidate),
            options: session.callOptions
        )
        let stepName: String
        if let step {
            stepName = step
        } else {
            guard !run.status.isFinished, Int(run.currentStep) < run.steps.count else {
                throw CLIError.rpc(code: .failedPrecondition, message: "run \(run.id) is \(run.status.cliName) and has no current step")
            }
            stepName = run.steps[Int(run.currentStep)].name
        }
        let event = StepEvent(stepName: stepName, candidateID: target.candidate, success: success, failureReason: success ? "" : reason)
        let response = try await session.client.reportStepEvent(
            ReportStepEventRequest(runID: run.id, event: event),
            options: session.callOptions
        )
        session.emit(
            json: JSONOutput.EventResult(status: response.status, run: response.run.map(JSONOutput.run)),
            table: response.run.map { session.tables.run($0) } ?? [response.status]
        )
    }
}
