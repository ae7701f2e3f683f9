import Foundation
import LoomMigratorKit

/// Plays Loom against one migrator and reports, check by check, whether it keeps the contract
/// (docs/writing-a-migrator.md). The scenario:
///
/// 1. the announcement (received by the ``FakeLoomShim`` or read from a file) and its candidates;
/// 2. a dispatch with a fresh callback token and `Idempotency-Key`, answered 2xx;
/// 3. an event on the shim within the callback timeout, with exactly that token, well formed for that step;
/// 4. the same dispatch again (same key): 2xx, and no event repeating one already received within the grace window;
/// 5. `POST /step-status` (optional: 404 is a warning) for that key, and for a key never dispatched;
/// 6. a dry run: exactly 200 with one `DryRunResult` entry per step;
/// 7. malformed requests (not JSON, missing fields, wrong method): 4xx, and the migrator still answers.
public struct ConformanceChecker: Sendable {
    /// How long the checker waits, and what it dispatches.
    public struct Options: Sendable {
        /// Bound of every request to the migrator.
        public var requestTimeout: Duration = .seconds(10)
        /// How long the first event may take after the dispatch's answer.
        public var callbackTimeout: Duration = .seconds(30)
        /// How long to watch for a second execution after the re-sent dispatch.
        public var duplicateGrace: Duration = .seconds(2)
        /// How long to wait for submitted candidates when the announcement carries none.
        public var candidatesTimeout: Duration = .seconds(10)
        /// The candidate to dispatch (default: the first one announced or submitted).
        public var candidateID: String?
        /// The step to dispatch (default: the candidate's first step).
        public var stepName: String?
        /// Operator inputs merged into the candidate's metadata (required inputs not given get `loom-check`).
        public var inputs: [String: String] = [:]

        /// Creates the defaults.
        public init() {}
    }

    /// Check names, in the order they appear (tests and scripts refer to them).
    public enum Check {
        /// The announcement arrived (or was read) and is valid.
        public static let announce = "announce"
        /// The announce carried the bearer credential.
        public static let credentials = "announce credentials"
        /// A candidate to dispatch was announced, submitted or given.
        public static let candidates = "candidates"
        /// The dispatch was answered 2xx.
        public static let dispatch = "dispatch"
        /// An event arrived within the callback timeout.
        public static let callback = "callback"
        /// The event carried the dispatch's callback token.
        public static let callbackToken = "callback token"
        /// The event is a well-formed `StepCompletedEvent` for the step.
        public static let callbackEvent = "callback event"
        /// The re-sent dispatch was answered 2xx.
        public static let resentDispatch = "re-sent dispatch"
        /// The re-sent dispatch did not run again.
        public static let deduplication = "no second execution"
        /// `POST /step-status` answered the dispatched key.
        public static let stepStatus = "step-status"
        /// `POST /step-status` answered 404 for a key never dispatched.
        public static let stepStatusUnknown = "step-status unknown key"
        /// The dry run was answered 200 with a valid `DryRunResult`.
        public static let dryRun = "dry run"
        /// A dispatch that is not JSON was answered 4xx.
        public static let invalidJSON = "dispatch: invalid JSON"
        /// A dispatch without `candidate` and `callbackId` was answered 4xx.
        public static let missingFields = "dispatch: missing fields"
        /// A dry run that is not JSON was answered 4xx.
        public static let invalidDryRun = "dry run: invalid JSON"
        /// `GET /dispatch-step` was answered 4xx.
        public static let wrongMethod = "dispatch: wrong method"
        /// A dry run after the malformed requests was still answered.
        public static let stillAnswering = "still answering"
    }

    /// Where the announcement comes from.
    public enum AnnouncementSource: Sendable {
        /// The migrator POSTs it to the shim, within this time.
        case shim(timeout: Duration)
        /// It was read from a file (its bytes).
        case file([UInt8])
    }

    let shim: FakeLoomShim
    let client: JSONHTTPClient
    let options: Options

    /// Creates a checker that receives callbacks on `shim` and calls the migrator with `client`.
    public init(shim: FakeLoomShim, client: JSONHTTPClient, options: Options) {
        self.shim = shim
        self.client = client
        self.options = options
    }

    /// Runs every check; `migratorURL` overrides the announcement's `migratorUrl`.
    public func run(announcement source: AnnouncementSource, migratorURL: String?) async -> ConformanceReport {
        var rows: [ConformanceResult] = []
        let remaining = [
            Check.candidates, Check.dispatch, Check.callback, Check.callbackToken, Check.callbackEvent, Check.resentDispatch,
            Check.deduplication, Check.stepStatus, Check.stepStatusUnknown, Check.dryRun, Check.invalidJSON, Check.missingFields,
            Check.invalidDryRun, Check.wrongMethod, Check.stillAnswering,
        ]
        func skipRest(after name: String, _ reason: String) -> ConformanceReport {
            let start = (remaining.firstIndex(of: name) ?? -1) + 1
            rows += remaining[start...].map { ConformanceResult($0, .skip, reason) }
            return ConformanceReport(migratorUrl: migratorURL, checks: rows)
        }

        // 1. Announcement.
        let announcement: ReferenceJSON.MigrationAnnouncement
        switch await receiveAnnouncement(source) {
        case .failure(let problem):
            rows.append(ConformanceResult(Check.announce, .fail, problem.reason))
            return skipRest(after: Check.announce, "no valid announcement")
        case .success(let (value, credentials)):
            announcement = value
            rows.append(ConformanceResult(
                Check.announce, .pass,
                "\(ConformanceRules.quoted(value.id)): \(value.steps.count) steps, migratorUrl \(value.migratorUrl)"))
            if let credentials {
                rows.append(credentials)
                // Loom refuses such an announce (401): the migration would not exist, nothing would be dispatched.
                if credentials.status == .fail { return skipRest(after: Check.announce, "the announce was refused (401)") }
            }
        }
        let base = trimmedBase(migratorURL ?? announcement.migratorUrl)
        guard ConformanceRules.isHTTPURL(base) else {
            rows.append(ConformanceResult(Check.candidates, .fail, "migrator URL \(ConformanceRules.quoted(base)) is not http(s)"))
            return skipRest(after: Check.candidates, "no migrator URL")
        }
        var report = ConformanceReport(migratorUrl: base, checks: rows)

        // 2. Candidates.
        guard let candidate = await pickCandidate(announcement, into: &report.checks) else {
            report.checks += remaining.dropFirst().map { ConformanceResult($0, .skip, "no candidate") }
            return report
        }
        // A candidate that names steps runs only those (absent or empty: every step).
        let steps = announcement.steps.filter { step in candidate.steps.map { $0.isEmpty || $0.contains(step.name) } ?? true }
        guard let step = options.stepName.map({ name in steps.first { $0.name == name } }) ?? steps.first else {
            report.checks.append(ConformanceResult(Check.dispatch, .fail, "step \(ConformanceRules.quoted(options.stepName ?? "")) is not announced for the candidate"))
            report.checks += remaining.dropFirst(2).map { ConformanceResult($0, .skip, "no step") }
            return report
        }

        // 3-5. Dispatch, callback, re-sent dispatch, step status.
        let calls = Calls(base: base, client: client, timeout: options.requestTimeout)
        let dispatchChecks = DispatchChecks(shim: shim, calls: calls, options: options)
        report.checks += await dispatchChecks.run(announcement: announcement, candidate: candidate, step: step)

        // 6-7. Dry run and malformed requests.
        var dryRunCandidate = candidate
        dryRunCandidate.status = .notStarted
        let dryRunRequest = ReferenceJSON.DryRunRequest(migrationId: announcement.id, candidate: dryRunCandidate, steps: steps)
        report.checks.append(await checkDryRun(calls, dryRunRequest, name: Check.dryRun))
        report.checks += await malformedChecks(calls, migration: announcement.id, step: step.name)
        report.checks.append(await checkDryRun(calls, dryRunRequest, name: Check.stillAnswering))
        return report
    }

    private func trimmedBase(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    /// The announcement and, from the shim, the row about its credentials.
    private func receiveAnnouncement(
        _ source: AnnouncementSource
    ) async -> Result<(ReferenceJSON.MigrationAnnouncement, ConformanceResult?), ConformanceProblem> {
        switch source {
        case .file(let bytes):
            return ConformanceRules.announcement(bytes).map { ($0, ConformanceResult?.none) }
        case .shim(let timeout):
            let snapshot = await shim.recorder.wait(timeout: timeout) { !$0.announces.isEmpty }
            guard let first = snapshot.announces.first else {
                return .failure(ConformanceProblem(
                    "no POST /registry/announce at \(shim.publicURL) within \(Self.seconds(timeout))"))
            }
            let credentials: ConformanceResult
            if !first.authorized {
                credentials = ConformanceResult(
                    Check.credentials, .fail,
                    first.hadBearer ? "the bearer credential is not the one given with --token" : "no Authorization: Bearer header")
            } else if first.hadBearer {
                credentials = ConformanceResult(Check.credentials, .pass, "Authorization: Bearer present")
            } else {
                credentials = ConformanceResult(
                    Check.credentials, .warn, "no Authorization: Bearer header: Loom answers 401 unless a client certificate is presented")
            }
            return first.verdict.map { ($0, credentials) }
        }
    }

    /// The candidate to dispatch, appending the candidates row.
    private func pickCandidate(_ announcement: ReferenceJSON.MigrationAnnouncement, into rows: inout [ConformanceResult]) async -> ReferenceJSON.Candidate? {
        var known = announcement.candidates ?? []
        var source = "announced"
        if known.isEmpty, options.candidateID == nil {
            let id = announcement.id
            let snapshot = await shim.recorder.wait(timeout: options.candidatesTimeout) { !($0.submitted[id] ?? []).isEmpty || !$0.submitProblems.isEmpty }
            if let problem = snapshot.submitProblems.first {
                rows.append(ConformanceResult(Check.candidates, .fail, "POST /migrations/\(id)/candidates refused: \(problem)"))
                return nil
            }
            known = snapshot.submitted[id] ?? []
            source = "submitted"
        }
        var candidate: ReferenceJSON.Candidate
        if let wanted = options.candidateID {
            candidate = known.first { $0.id == wanted } ?? ReferenceJSON.Candidate(id: wanted, kind: "repository")
        } else if let first = known.first {
            candidate = first
        } else {
            rows.append(ConformanceResult(
                Check.candidates, .fail,
                "none announced nor submitted (POST /migrations/\(announcement.id)/candidates) within \(Self.seconds(options.candidatesTimeout)); or give --candidate"))
            return nil
        }
        var metadata = candidate.metadata ?? [:]
        for input in announcement.requiredInputs ?? [] where metadata[input.name] == nil {
            metadata[input.name] = "loom-check"
        }
        metadata.merge(options.inputs) { $1 }
        candidate.metadata = metadata.isEmpty ? nil : metadata
        candidate.status = .running
        rows.append(ConformanceResult(Check.candidates, .pass, "\(known.count) \(source); checking with \(ConformanceRules.quoted(candidate.id))"))
        return candidate
    }

    private func checkDryRun(_ calls: Calls, _ request: ReferenceJSON.DryRunRequest, name: String) async -> ConformanceResult {
        let answer: JSONHTTPClient.Response
        switch await calls.post("/dry-run", body: JSONCoding.encode(request)) {
        case .failure(let error): return ConformanceResult(name, .fail, "POST /dry-run: \(error)")
        case .success(let response): answer = response
        }
        guard answer.status == 200 else {
            return ConformanceResult(name, .fail, "POST /dry-run answered \(answer.status) (\(Calls.excerpt(answer))); Loom needs exactly 200 with a DryRunResult")
        }
        switch ConformanceRules.dryRun(answer.body, steps: request.steps.map(\.name)) {
        case .failure(let problem): return ConformanceResult(name, .fail, problem.reason)
        case .success(let result):
            let files = result.steps.reduce(0) { $0 + ($1.files?.count ?? 0) }
            let skipped = result.steps.filter { $0.skipped }.count
            return ConformanceResult(name, .pass, "200: \(result.steps.count) steps, \(files) file\(files == 1 ? "" : "s"), \(skipped) skipped")
        }
    }

    private func malformedChecks(_ calls: Calls, migration: String, step: String) async -> [ConformanceResult] {
        func expect4xx(_ name: String, _ what: String, _ outcome: Result<JSONHTTPClient.Response, Calls.CallFailure>) -> ConformanceResult {
            switch outcome {
            case .failure(let error):
                return ConformanceResult(name, .fail, "\(what): \(error)")
            case .success(let answer) where (400..<500).contains(answer.status):
                return ConformanceResult(name, .pass, "\(answer.status) \(Calls.excerpt(answer))")
            case .success(let answer):
                return ConformanceResult(name, .fail, "\(what) answered \(answer.status) (\(Calls.excerpt(answer))); expected 4xx")
            }
        }
        let incomplete = JSONCoding.encode(["migrationId": migration, "stepName": step])
        return [
            expect4xx(Check.invalidJSON, "POST /dispatch-step with a body that is not JSON", await calls.post("/dispatch-step", body: Array("{\"migrationId\": ".utf8))),
            expect4xx(Check.missingFields, "POST /dispatch-step without candidate and callbackId", await calls.post("/dispatch-step", body: incomplete)),
            expect4xx(Check.invalidDryRun, "POST /dry-run with a body that is not JSON", await calls.post("/dry-run", body: Array("[1, 2".utf8))),
            expect4xx(Check.wrongMethod, "GET /dispatch-step", await calls.get("/dispatch-step")),
        ]
    }

    /// `1.5 s`.
    static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000) s" }
        return String(format: "%.2f s", Double(milliseconds) / 1000)
    }
}
