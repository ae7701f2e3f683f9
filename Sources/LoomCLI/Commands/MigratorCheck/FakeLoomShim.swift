import Foundation
import Logging
import LoomMigratorKit

/// The part of Loom's REST shim a migrator calls, played by `loomctl migrator check`: `POST /registry/announce`,
/// `POST /migrations/{id}/candidates` and `POST /event/{callbackId}` (and `…/pr-opened`).
///
/// It answers like Loom (200 `SUCCESS`, 202 `event raised`, 200 `already applied` for an exact repeat, 401 for
/// a missing or wrong token, 400 for a malformed body) and records everything for the checker.
public final class FakeLoomShim: Sendable {
    /// The largest request body accepted, as Loom's default `--max-body-size`.
    public static let maximumBodySize = 1 << 20

    /// What the shim received.
    public let recorder: ShimRecorder
    /// The base URL handed to the migrator in `callbackUrl` (no trailing slash).
    public let publicURL: String
    private let server: JSONHTTPServer

    private init(recorder: ShimRecorder, publicURL: String, server: JSONHTTPServer) {
        self.recorder = recorder
        self.publicURL = publicURL
        self.server = server
    }

    /// The bound port.
    public var port: Int { server.port }

    /// Binds `host:port` (0: any free port) and starts answering.
    /// - Parameters:
    ///   - publicURL: The shim's URL as the migrator reaches it; `nil` means `http://host:port`.
    ///   - announceToken: The bearer credential an announce must carry; `nil` accepts any (or none).
    public static func start(
        host: String, port: Int, publicURL: String?, announceToken: String?, logger: Logger
    ) async throws -> FakeLoomShim {
        let recorder = ShimRecorder(announceToken: announceToken)
        let server = try await JSONHTTPServer.start(
            .init(host: host, port: port, maximumBodySize: maximumBodySize, idleTimeout: .seconds(30)), logger: logger
        ) { request in
            await FakeLoomShim.route(request, recorder: recorder)
        }
        let bracketed = host.contains(":") ? "[\(host)]" : host
        let url = publicURL ?? "http://\(bracketed):\(server.port)"
        return FakeLoomShim(recorder: recorder, publicURL: url.hasSuffix("/") ? String(url.dropLast()) : url, server: server)
    }

    /// The `callbackUrl` of a run: `{publicURL}/event/{callbackId}`, the id percent-encoded as one path segment.
    public func callbackURL(for callbackID: String) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        return "\(publicURL)/event/\(callbackID.addingPercentEncoding(withAllowedCharacters: allowed) ?? callbackID)"
    }

    /// Stops listening.
    public func close() async {
        try? await server.close()
    }

    private static func route(_ request: JSONHTTPRequest, recorder: ShimRecorder) async -> JSONHTTPResponse {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        guard request.method == .POST else {
            return .error(.methodNotAllowed, "only POST is served here")
        }
        switch segments.first {
        case "registry" where segments == ["registry", "announce"]:
            return await recorder.announce(request)
        case "migrations" where segments.count == 3 && segments[2] == "candidates":
            return await recorder.submit(request, migration: segments[1].removingPercentEncoding ?? segments[1])
        case "event" where segments.count >= 2:
            // The id may come escaped (one segment) or raw (its `/` splitting it); `/pr-opened` ends it.
            var parts = Array(segments.dropFirst())
            let prOpened = parts.count > 1 && parts.last == "pr-opened"
            if prOpened { parts.removeLast() }
            let raw = parts.joined(separator: "/")
            return await recorder.event(request, callbackID: raw.removingPercentEncoding ?? raw, prOpened: prOpened)
        default:
            return .error(.notFound, "no route for \(request.path.prefix(200))")
        }
    }
}

/// One `POST /registry/announce` the shim received.
public struct ReceivedAnnounce: Sendable {
    /// The `Authorization` header carried a bearer credential.
    public var hadBearer: Bool
    /// The credential was the one required (`true` when none was required).
    public var authorized: Bool
    /// The decoded announcement, or why it is not acceptable.
    public var verdict: Result<ReferenceJSON.MigrationAnnouncement, ConformanceProblem>
}

/// One event the shim received.
public struct ReceivedEvent: Sendable {
    /// The run id from the path.
    public var callbackID: String
    /// Sent to `/event/{id}/pr-opened` (phase forced to `open`).
    public var prOpened: Bool
    /// Whether an `Authorization: Bearer …` header was present.
    public var hadBearer: Bool
    /// Whether it was the run's callback token.
    public var tokenMatches: Bool
    /// The body.
    public var body: [UInt8]
    /// When it arrived.
    public var receivedAt: ContinuousClock.Instant
    /// The status the shim answered.
    public var answer: Int
}

/// Everything the shim received so far.
public struct ShimSnapshot: Sendable {
    /// Announces, in arrival order.
    public var announces: [ReceivedAnnounce] = []
    /// Candidates submitted with `POST /migrations/{id}/candidates`, by migration id, in arrival order.
    public var submitted: [String: [ReferenceJSON.Candidate]] = [:]
    /// Why a submission was refused, if one was.
    public var submitProblems: [String] = []
    /// Events, in arrival order.
    public var events: [ReceivedEvent] = []

    /// The events of run `callbackID`.
    public func events(of callbackID: String) -> [ReceivedEvent] {
        events.filter { $0.callbackID == callbackID }
    }
}

/// The shim's memory, and waits on it that end as soon as a condition holds (or at a deadline).
public actor ShimRecorder {
    private let announceToken: String?
    private var snapshot = ShimSnapshot()
    /// Callback token of every run the checker dispatched.
    private var tokens: [String: String] = [:]
    private var applied: Set<ReferenceJSON.StepCompletedEvent> = []
    private var waiters: [Int: (condition: @Sendable (ShimSnapshot) -> Bool, continuation: CheckedContinuation<Void, Never>)] = [:]
    private var nextWaiter = 0

    init(announceToken: String?) {
        self.announceToken = announceToken
    }

    /// What was received so far.
    public var current: ShimSnapshot { snapshot }

    /// Registers run `callbackID`: its events must carry `token`.
    public func expect(callbackID: String, token: String) {
        tokens[callbackID] = token
    }

    /// Waits until `condition` holds for what was received, or `timeout` passes; returns the snapshot then.
    public func wait(timeout: Duration, until condition: @escaping @Sendable (ShimSnapshot) -> Bool) async -> ShimSnapshot {
        if condition(snapshot) { return snapshot }
        let id = nextWaiter
        nextWaiter += 1
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.resume(id)
        }
        await withCheckedContinuation { continuation in
            waiters[id] = (condition, continuation)
        }
        timer.cancel()
        return snapshot
    }

    private func resume(_ id: Int) {
        waiters.removeValue(forKey: id)?.continuation.resume()
    }

    private func changed() {
        for (id, waiter) in waiters where waiter.condition(snapshot) {
            resume(id)
        }
    }

    private static func bearer(_ request: JSONHTTPRequest) -> String? {
        guard let value = request.header("authorization"), value.lowercased().hasPrefix("bearer ") else { return nil }
        return String(value.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
    }

    func announce(_ request: JSONHTTPRequest) -> JSONHTTPResponse {
        defer { changed() }
        let bearer = Self.bearer(request)
        let authorized = announceToken == nil || bearer == announceToken
        let verdict = ConformanceRules.announcement(request.body)
        snapshot.announces.append(ReceivedAnnounce(hadBearer: bearer != nil, authorized: authorized, verdict: verdict))
        guard authorized else { return .error(.unauthorized, "missing or unknown bearer credential") }
        switch verdict {
        case .success: return .json(.ok, ReferenceJSON.StatusResponse(status: "SUCCESS"))
        case .failure(let problem): return .error(.badRequest, problem.reason)
        }
    }

    func submit(_ request: JSONHTTPRequest, migration: String) -> JSONHTTPResponse {
        defer { changed() }
        let submission: ReferenceJSON.SubmitCandidatesRequest
        do {
            submission = try request.decode(ReferenceJSON.SubmitCandidatesRequest.self)
        } catch {
            snapshot.submitProblems.append("candidates of \(migration): \(error.message)")
            return .error(.badRequest, error.message)
        }
        if let problem = ConformanceRules.candidatesProblem(submission.candidates, field: "candidates") {
            snapshot.submitProblems.append(problem)
            return .error(.badRequest, problem)
        }
        snapshot.submitted[migration, default: []].append(contentsOf: submission.candidates)
        return .json(.ok, ReferenceJSON.StatusResponse(status: "SUCCESS"))
    }

    func event(_ request: JSONHTTPRequest, callbackID: String, prOpened: Bool) -> JSONHTTPResponse {
        defer { changed() }
        let bearer = Self.bearer(request)
        let expected = tokens[callbackID]
        let matches = expected != nil && bearer == expected
        var received = ReceivedEvent(
            callbackID: callbackID, prOpened: prOpened, hadBearer: bearer != nil, tokenMatches: matches, body: request.body,
            receivedAt: .now, answer: 202)
        let response: JSONHTTPResponse
        if expected == nil {
            response = .error(.notFound, "no such run")
        } else if !matches {
            response = .error(.unauthorized, bearer == nil ? "missing callback token" : "callback token does not verify")
        } else {
            do {
                var event = try request.decode(ReferenceJSON.StepCompletedEvent.self)
                if prOpened { event.phase = "open" }
                response = applied.insert(event).inserted
                    ? .json(.accepted, ReferenceJSON.StatusResponse(status: "event raised"))
                    : .json(.ok, ReferenceJSON.StatusResponse(status: "already applied"))
            } catch {
                response = .error(.badRequest, error.message)
            }
        }
        received.answer = Int(response.status.code)
        snapshot.events.append(received)
        return response
    }
}
