import LoomRPC
import LoomProto

/// Why a loomctl command failed, and the exit code it ends with.
///
/// | exit | meaning |
/// |------|---------|
/// | 0 | success (for `run watch`: the run completed) |
/// | 1–16 | the RPC failed with that gRPC status code (5 NOT_FOUND, 7 PERMISSION_DENIED, 14 UNAVAILABLE, 16 UNAUTHENTICATED, …) |
/// | 20 | `run watch`: the run ended failed |
/// | 21 | `run watch`: the run ended cancelled; `campaign watch`: the campaign was cancelled |
/// | 22 | `run watch`, `campaign watch`: the stream ended before the run (campaign) finished |
/// | 23 | `migrations recount`: the counts drifted from the records and were not repaired |
/// | 64 | usage error: bad flags or arguments, unreadable or invalid files, TLS setup failure |
public enum CLIError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The RPC ended with a non-OK status.
    case rpc(code: RPCStatus.Code, message: String)
    /// The command line, a file it names, or the TLS setup is wrong.
    case usage(String)
    /// `run watch` saw the run end in a state other than completed.
    case runEnded(RunStatus, reason: String)
    /// `run watch`: the server ended the stream before the run finished.
    case streamEndedEarly
    /// `migrations recount`: this many counts differ from the records (not repaired).
    case countsDrifted(Int)
    /// `campaign watch`: the stream ended with the campaign cancelled (exit 21) or still open (exit 22).
    case campaignEnded(CampaignState, reason: String)

    /// Exit code for usage errors (BSD `EX_USAGE`).
    public static let usageExitCode: Int32 = 64
    /// Exit code of `run watch` when the run failed.
    public static let runFailedExitCode: Int32 = 20
    /// Exit code of `run watch` when the run was cancelled.
    public static let runCancelledExitCode: Int32 = 21
    /// Exit code of `run watch` when the stream ended before the run finished.
    public static let streamEndedExitCode: Int32 = 22
    /// Exit code of `migrations recount` when the counts drifted and were not repaired.
    public static let countsDriftedExitCode: Int32 = 23

    /// Wraps any error a command threw: ``RPCError`` keeps its status; anything else is a usage error.
    public init(_ error: any Error) {
        switch error {
        case let error as CLIError: self = error
        case let error as RPCError: self = .rpc(code: error.code, message: error.message)
        default: self = .usage("\(error)")
        }
    }

    /// The process exit code (see the table on ``CLIError``).
    public var exitCode: Int32 {
        switch self {
        case .rpc(let code, _): Int32(code.rawValue)
        case .usage: Self.usageExitCode
        case .runEnded(let status, _): status == .cancelled ? Self.runCancelledExitCode : Self.runFailedExitCode
        case .streamEndedEarly: Self.streamEndedExitCode
        case .countsDrifted: Self.countsDriftedExitCode
        case .campaignEnded(let state, _): state == .cancelled ? Self.runCancelledExitCode : Self.streamEndedExitCode
        }
    }

    /// The message printed to standard error after `loomctl: `.
    public var description: String {
        switch self {
        case .rpc(let code, let message): message.isEmpty ? "\(code)" : "\(code): \(message)"
        case .usage(let message): "error: \(message)"
        case .runEnded(let status, let reason): "run \(status.cliName)" + (reason.isEmpty ? "" : ": \(reason)")
        case .streamEndedEarly: "the watch stream ended before the run finished"
        case .countsDrifted(let count): "\(count) count\(count == 1 ? "" : "s") drifted from the records (repair with --repair)"
        case .campaignEnded(let state, let reason):
            state == .cancelled
                ? "campaign cancelled" + (reason.isEmpty ? "" : ": \(reason)") : "the watch stream ended before the campaign finished"
        }
    }
}
