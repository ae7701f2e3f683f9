import Logging
import LoomAPI
import LoomProto
import LoomRPC

/// Why Loom did not take an announcement or a candidate submission.
public enum LoomConnectionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Loom answered and refused (a 4xx, an RPC refusal): fix the request or the credentials.
    case refused(String)
    /// Loom could not be reached or is not ready (5xx, 408, 429, no connection, a timeout): try again later.
    case unavailable(String)

    /// Whether trying again later may succeed.
    public var isTransient: Bool {
        if case .unavailable = self { return true }
        return false
    }

    /// The reason, with the status it came with.
    public var description: String {
        switch self {
        case .refused(let reason): "refused by Loom: \(reason)"
        case .unavailable(let reason): "Loom unavailable: \(reason)"
        }
    }
}

/// A migrator's way to Loom: announce the migration, submit candidates, report step events.
///
/// Two transports carry the same contract:
/// - ``rest(url:credential:http:callbacks:ledger:)``: Loom's REST shim — `POST /registry/announce` and
///   `POST /migrations/{id}/candidates` with a bearer credential of the server's policy (or the TLS client
///   certificate of `http`), events POSTed to each dispatch's `callbackUrl` with its callback token;
/// - ``rpc(_:callbacks:ledger:)``: Loom's RPC service (mutual TLS) — `Announce`, `SubmitCandidates` and
///   `ReportStepEvent` with the dispatch's callback token.
///
/// Events are resent after transient failures following the ``CallbackClient``'s policy, and recorded in the
/// ``DispatchLedger`` (if any) first, so `POST /step-status` can answer them even when they were not delivered.
public struct LoomConnection: Sendable {
    /// Loom's answer to an announcement or a submission.
    public struct Submission: Sendable, Hashable {
        /// Candidates Loom did not store, each with its reason.
        public var rejected: [ReferenceJSON.RejectedCandidate]
        /// How many candidates were written (RPC only; `nil` over REST).
        public var accepted: Int?
        /// Candidates left unchanged because they are running or completed (RPC only).
        public var unchangedIDs: [String]

        /// Creates an answer.
        public init(rejected: [ReferenceJSON.RejectedCandidate] = [], accepted: Int? = nil, unchangedIDs: [String] = []) {
            self.rejected = rejected
            self.accepted = accepted
            self.unchangedIDs = unchangedIDs
        }
    }

    private enum Transport: Sendable {
        case rest(url: String, credential: String?, http: JSONHTTPClient, timeout: Duration)
        case rpc(LoomClient)
    }

    private let transport: Transport
    private let callbacks: CallbackClient
    private let ledger: DispatchLedger?

    private init(transport: Transport, callbacks: CallbackClient, ledger: DispatchLedger?) {
        self.transport = transport
        self.callbacks = callbacks
        self.ledger = ledger
    }

    /// A connection to Loom's REST shim at `url` (`https://loom.internal:8080`).
    /// - Parameters:
    ///   - credential: A bearer credential of the server's policy for announcing (never logged); `nil` when
    ///     `http` authenticates with a TLS client certificate.
    ///   - http: The client for announcements (its TLS context for `https://`).
    ///   - callbacks: Delivers events (to each dispatch's `callbackUrl`, else `{url}/event/{callbackId}`).
    ///   - ledger: Records every reported event for `POST /step-status`.
    public static func rest(
        url: String, credential: String?, http: JSONHTTPClient = JSONHTTPClient(), callbacks: CallbackClient = CallbackClient(),
        ledger: DispatchLedger? = nil
    ) -> LoomConnection {
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        return LoomConnection(
            transport: .rest(url: base, credential: credential, http: http, timeout: callbacks.requestTimeout),
            callbacks: callbacks, ledger: ledger)
    }

    /// A connection over Loom's RPC service with `client` (mutual TLS identifies the migrator).
    /// - Parameters:
    ///   - callbacks: Its retry policy and sleeper pace the resending of events (its HTTP client is unused).
    ///   - ledger: Records every reported event for `POST /step-status`.
    public static func rpc(_ client: LoomClient, callbacks: CallbackClient = CallbackClient(), ledger: DispatchLedger? = nil) -> LoomConnection {
        LoomConnection(transport: .rpc(client), callbacks: callbacks, ledger: ledger)
    }

    /// Announces (or updates) a migration; Loom dispatches its steps to `announcement.migratorUrl`.
    public func announce(_ announcement: ReferenceJSON.MigrationAnnouncement) async throws(LoomConnectionError) -> Submission {
        switch transport {
        case .rest(let url, let credential, let http, let timeout):
            return try await Self.post(http, "\(url)/registry/announce", credential: credential, json: announcement, timeout: timeout)
        case .rpc(let client):
            do {
                let response = try await client.announce(AnnounceRequest(migration: announcement.proto))
                return Submission(rejected: response.rejectedCandidates.map { .init(id: $0.id, reason: $0.reason) })
            } catch {
                throw Self.failure(error)
            }
        }
    }

    /// Adds or refreshes candidates of migration `migrationID` (running or completed ones are left unchanged).
    public func submitCandidates(
        _ candidates: [ReferenceJSON.Candidate], migrationID: String
    ) async throws(LoomConnectionError) -> Submission {
        switch transport {
        case .rest(let url, let credential, let http, let timeout):
            let id = JSONHTTPClient.escapePathSegment(migrationID)
            return try await Self.post(
                http, "\(url)/migrations/\(id)/candidates", credential: credential,
                json: ReferenceJSON.SubmitCandidatesRequest(candidates: candidates), timeout: timeout)
        case .rpc(let client):
            do {
                let response = try await client.submitCandidates(
                    SubmitCandidatesRequest(migrationID: migrationID, candidates: candidates.map(\.proto)))
                return Submission(
                    rejected: response.rejected.map { .init(id: $0.id, reason: $0.reason) }, accepted: Int(response.accepted),
                    unchangedIDs: response.skippedIDs)
            } catch {
                throw Self.failure(error)
            }
        }
    }

    /// Reports `event` for `dispatch` with the dispatch's callback token, resending after transient failures
    /// until Loom answers for good or the retry policy gives up. The event is first recorded in the ledger.
    public func report(
        _ event: ReferenceJSON.StepCompletedEvent, for dispatch: ReferenceJSON.DispatchStepRequest
    ) async -> CallbackClient.Outcome {
        await ledger?.record(event, forKey: DispatchLedger.key(of: dispatch))
        switch transport {
        case .rest(let url, _, _, _):
            guard let target = CallbackClient.callbackURL(for: dispatch, loomURL: url) else {
                return .rejected(reason: "no callback URL")
            }
            return await callbacks.deliver(event, to: target, token: dispatch.callbackToken)
        case .rpc(let client):
            let request = ReportStepEventRequest(
                runID: dispatch.callbackId, callbackToken: dispatch.callbackToken ?? "", event: event.proto)
            return await callbacks.resend(stepName: event.stepName) {
                do {
                    let response = try await client.reportStepEvent(request)
                    return .definitive(.delivered(alreadyApplied: response.status == "already applied"))
                } catch let error as RPCError where Self.transientCodes.contains(error.code) {
                    return .transient("RPC \(error.code): \(error.message)")
                } catch let error as RPCError where Self.conflictCodes.contains(error.code) {
                    return .definitive(.conflict(message: error.message))
                } catch let error as RPCError {
                    return .definitive(.rejected(reason: "RPC \(error.code): \(error.message)"))
                } catch {
                    return .transient("\(error)")
                }
            }
        }
    }

    /// Closes the RPC connection, if any.
    public func close() async {
        if case .rpc(let client) = transport { await client.close() }
    }

    /// RPC codes after which an event is sent again: Loom may not have it (the RPC form of 5xx, 408, 429 and
    /// connection failures).
    static let transientCodes: Set<RPCStatus.Code> = [.unavailable, .deadlineExceeded, .resourceExhausted, .internalError, .unknown]
    /// RPC codes of a conflicting event (the RPC form of 409: a stale attempt, another outcome, a finished run).
    static let conflictCodes: Set<RPCStatus.Code> = [.failedPrecondition, .aborted, .alreadyExists]

    private static func post(
        _ http: JSONHTTPClient, _ url: String, credential: String?, json: some Encodable, timeout: Duration
    ) async throws(LoomConnectionError) -> Submission {
        var headers: [(String, String)] = []
        if let credential, !credential.isEmpty { headers.append(("authorization", "Bearer \(credential)")) }
        let response: JSONHTTPClient.Response
        do {
            response = try await http.post(url, headers: headers, json: json, timeout: timeout)
        } catch .invalidURL(let url) {
            throw .refused("invalid Loom URL \(url.prefix(200))")
        } catch {
            throw .unavailable(error.description)
        }
        switch response.status {
        case 204:
            return Submission()
        case 200..<300:
            let status = try? JSONCoding.decode(ReferenceJSON.StatusResponse.self, from: response.body)
            return Submission(rejected: status?.rejected ?? [])
        case 408, 429, 500...:
            throw .unavailable("HTTP \(response.status): \(CallbackClient.message(of: response))")
        default:
            throw .refused("HTTP \(response.status): \(CallbackClient.message(of: response))")
        }
    }

    private static func failure(_ error: any Error) -> LoomConnectionError {
        guard let error = error as? RPCError else { return .unavailable("\(error)") }
        return transientCodes.contains(error.code)
            ? .unavailable("RPC \(error.code): \(error.message)") : .refused("RPC \(error.code): \(error.message)")
    }
}
