import ArgumentParser
import LoomProto

extension RunCommand {
    /// `run watch M C`.
    public struct Watch: LoomCommand {
        /// Name, abstract and exit codes.
        public static let configuration = CommandConfiguration(
            abstract: "Follow a run live until it finishes (WatchRun).",
            discussion: """
                On a terminal: a progress bar of completed steps and coloured statuses, redrawn in place. \
                Otherwise one plain line per update; with --json one JSON object per update.

                Exit codes: 0 the run completed, 20 it failed, 21 it was cancelled, 22 the stream ended before \
                the run finished, 1-16 the call failed with that gRPC status. --timeout bounds connecting only.
                """
        )
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// The run.
        @OptionGroup public var target: RunTarget

        /// Creates the command.
        public init() {}

        /// Streams the run's updates until the server ends the call.
        public func execute(_ session: Session) async throws {
            let mode: WatchRenderer.Mode = session.settings.json ? .json : (session.console.isTerminal ? .live : .plain)
            var renderer = WatchRenderer(mode: mode, palette: session.palette)
            var last: Run?
            do {
                // The timeout bounds the connection, not the (long-lived) stream.
                let stream = try await session.client.watchRun(WatchRunRequest(migrationID: target.migration, candidateID: target.candidate))
                for try await update in stream {
                    if let run = update.run { last = run }
                    session.console.writeOutput(renderer.render(update))
                }
            } catch {
                session.console.writeOutput(renderer.finish())
                throw error
            }
            session.console.writeOutput(renderer.finish())
            try Self.outcome(of: last)
        }

        /// Maps the last state seen to success or a ``CLIError``.
        static func outcome(of run: Run?) throws(CLIError) {
            guard let run, run.status.isFinished else { throw .streamEndedEarly }
            switch run.status {
            case .completed: return
            default: throw .runEnded(run.status, reason: run.failureReason)
            }
        }
    }
}
