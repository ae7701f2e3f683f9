import Foundation
import LoomMigratorKit

/// The checker's calls to the migrator: bounded, with their outcome as a value.
struct Calls: Sendable {
    let base: String
    let client: JSONHTTPClient
    let timeout: Duration

    func post(_ path: String, headers: [(String, String)] = [], body: [UInt8]) async -> Result<JSONHTTPClient.Response, CallFailure> {
        do {
            return .success(try await client.post(base + path, headers: [("user-agent", "loom")] + headers, body: body, timeout: timeout))
        } catch {
            return .failure(CallFailure(error))
        }
    }

    func get(_ path: String) async -> Result<JSONHTTPClient.Response, CallFailure> {
        do {
            return .success(try await client.send(.GET, base + path, headers: [("user-agent", "loom")], body: nil, timeout: timeout))
        } catch {
            return .failure(CallFailure(error))
        }
    }

    /// A request that got no answer, described in a few words for a table cell.
    struct CallFailure: Error, CustomStringConvertible {
        let description: String

        init(_ error: JSONHTTPClientError) {
            guard case .connectionFailed(let reason) = error else {
                description = error.description
                return
            }
            if reason.contains("Connection refused") {
                description = "connection refused"
            } else if reason.contains("Connection reset") {
                description = "connection reset"
            } else {
                description = "connection failed: \(reason.prefix(120))"
            }
        }
    }

    /// The first line of an answer's body, cut short, for a table cell.
    static func excerpt(_ response: JSONHTTPClient.Response) -> String {
        let text = response.bodyExcerpt(limit: 120).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return text.isEmpty ? "empty body" : text
    }
}

/// Checks 3-5 of ``ConformanceChecker``: one dispatch, its callback, its re-send and its status.
struct DispatchChecks: Sendable {
    typealias Check = ConformanceChecker.Check

    let shim: FakeLoomShim
    let calls: Calls
    let options: ConformanceChecker.Options

    /// The rows from ``ConformanceChecker/Check/dispatch`` to ``ConformanceChecker/Check/stepStatusUnknown``.
    func run(
        announcement: ReferenceJSON.MigrationAnnouncement, candidate: ReferenceJSON.Candidate, step: ReferenceJSON.StepDefinition
    ) async -> [ConformanceResult] {
        var rows: [ConformanceResult] = []
        // A fresh generation per check, as Loom's keys carry one: a migrator checked twice sees new work.
        let generation = UInt32.random(in: 1_000...999_999_999)
        let callbackID = "\(announcement.id)__\(candidate.id)"
        let key = "\(callbackID)/\(generation)/\(step.name)/1"
        let token = "check." + (0..<24).map { _ in String(UInt8.random(in: 16...255), radix: 16) }.joined()
        await shim.recorder.expect(callbackID: callbackID, token: token)
        let dispatch = ReferenceJSON.DispatchStepRequest(
            migrationId: announcement.id, stepName: step.name, candidate: candidate, config: step.config, callbackId: callbackID,
            eventName: "step-completed:\(step.name):\(candidate.id)", migratorApp: step.migratorApp, migratorUrl: calls.base,
            type: step.type, idempotencyKey: key, attempt: 1, callbackToken: token, callbackUrl: shim.callbackURL(for: callbackID))
        let body = JSONCoding.encode(dispatch)
        let headers = [("idempotency-key", key)]

        // The dispatch.
        let dispatched = ContinuousClock.now
        switch Self.twoHundred(await calls.post("/dispatch-step", headers: headers, body: body), "POST /dispatch-step") {
        case .failure(let reason):
            rows.append(ConformanceResult(Check.dispatch, .fail, "\(reason); Loom re-sends it and fails the step after 8 tries"))
            return rows + [Check.callback, Check.callbackToken, Check.callbackEvent, Check.resentDispatch, Check.deduplication, Check.stepStatus, Check.stepStatusUnknown]
                .map { ConformanceResult($0, .skip, "the dispatch failed") }
        case .success(let status):
            rows.append(ConformanceResult(Check.dispatch, .pass, "\(status) for step \(ConformanceRules.quoted(step.name)) of \(ConformanceRules.quoted(candidate.id))"))
        }

        // Its first event.
        let snapshot = await shim.recorder.wait(timeout: options.callbackTimeout) { !$0.events(of: callbackID).isEmpty }
        var received: [ConformanceRules.CheckedEvent] = []
        if let first = snapshot.events(of: callbackID).first {
            let after = ConformanceChecker.seconds(first.receivedAt - dispatched)
            rows.append(ConformanceResult(Check.callback, .pass, "an event at \(shim.callbackURL(for: callbackID)) after \(after)"))
            if first.tokenMatches {
                rows.append(ConformanceResult(Check.callbackToken, .pass, "Authorization: Bearer with the dispatch's callbackToken"))
            } else {
                rows.append(ConformanceResult(
                    Check.callbackToken, .fail,
                    first.hadBearer
                        ? "the Authorization: Bearer token is not the dispatch's callbackToken (Loom answers 401)"
                        : "no Authorization: Bearer header (Loom answers 401 \"missing callback token\")"))
            }
            switch ConformanceRules.event(first.body, step: step.name, candidate: candidate.id) {
            case .success(let event):
                received.append(event)
                rows.append(ConformanceResult(Check.callbackEvent, .pass, event.summary))
            case .failure(let problem):
                rows.append(ConformanceResult(Check.callbackEvent, .fail, problem.reason))
            }
        } else {
            rows.append(ConformanceResult(
                Check.callback, .fail,
                "no event at \(shim.callbackURL(for: callbackID)) within \(ConformanceChecker.seconds(options.callbackTimeout)) of the dispatch"))
            rows += [Check.callbackToken, Check.callbackEvent].map { ConformanceResult($0, .skip, "no callback") }
        }

        // The same dispatch again.
        let seen = await shim.recorder.current.events(of: callbackID).count
        let resent = ContinuousClock.now
        switch Self.twoHundred(await calls.post("/dispatch-step", headers: headers, body: body), "the re-sent POST /dispatch-step") {
        case .failure(let reason):
            rows.append(ConformanceResult(Check.resentDispatch, .fail, "\(reason); a repeat must be answered 2xx too"))
        case .success(let status):
            rows.append(ConformanceResult(Check.resentDispatch, .pass, "\(status) for the same Idempotency-Key"))
        }
        if received.isEmpty {
            rows.append(ConformanceResult(Check.deduplication, .skip, "no well-formed callback to compare with"))
        } else {
            let (stepName, candidateID) = (step.name, candidate.id)
            let after = await shim.recorder.wait(timeout: options.duplicateGrace) {
                Self.repeated($0.events(of: callbackID), from: seen, step: stepName, candidate: candidateID) != nil
            }
            let events = after.events(of: callbackID)
            if let (index, event) = Self.repeated(events, from: seen, step: step.name, candidate: candidate.id) {
                rows.append(ConformanceResult(
                    Check.deduplication, .fail,
                    "the re-sent dispatch ran again: a second \(event.summary) event came \(ConformanceChecker.seconds(events[index].receivedAt - resent)) after it (deduplicate on Idempotency-Key)"))
            } else {
                rows.append(ConformanceResult(Check.deduplication, .pass, "no repeated event within \(ConformanceChecker.seconds(options.duplicateGrace)) of the re-send"))
            }
        }

        let gotCallback = await !shim.recorder.current.events(of: callbackID).isEmpty
        rows += await stepStatus(
            announcement: announcement, candidate: candidate, step: step, callbackID: callbackID, key: key, gotCallback: gotCallback)
        return rows
    }

    /// The first event from index `start` on that repeats (same outcome and phase) a well-formed one accepted
    /// before it: the mark of a second execution.
    static func repeated(_ events: [ReceivedEvent], from start: Int, step: String, candidate: String) -> (Int, ConformanceRules.CheckedEvent)? {
        var signatures: Set<String> = []
        for (index, received) in events.enumerated() where received.tokenMatches && (200..<300).contains(received.answer) {
            guard case .success(let event) = ConformanceRules.event(received.body, step: step, candidate: candidate) else { continue }
            let signature = "\(event.event.success)|\(event.phase)"
            if !signatures.insert(signature).inserted, index >= start { return (index, event) }
        }
        return nil
    }

    /// `POST /step-status` for the dispatched key, then for a key never dispatched.
    private func stepStatus(
        announcement: ReferenceJSON.MigrationAnnouncement, candidate: ReferenceJSON.Candidate, step: ReferenceJSON.StepDefinition,
        callbackID: String, key: String, gotCallback: Bool
    ) async -> [ConformanceResult] {
        func ask(_ key: String) async -> Result<JSONHTTPClient.Response, Calls.CallFailure> {
            let request = ReferenceJSON.StepStatusRequest(
                migrationId: announcement.id, candidateId: candidate.id, callbackId: callbackID, stepName: step.name, attempt: 1,
                idempotencyKey: key)
            return await calls.post("/step-status", headers: [("idempotency-key", key)], body: JSONCoding.encode(request))
        }
        let answer: JSONHTTPClient.Response
        switch await ask(key) {
        case .failure(let error):
            return [ConformanceResult(Check.stepStatus, .fail, "POST /step-status: \(error)"),
                    ConformanceResult(Check.stepStatusUnknown, .skip, "step-status failed")]
        case .success(let response): answer = response
        }
        let status: ConformanceResult
        switch answer.status {
        case 200:
            switch ConformanceRules.event(answer.body, step: step.name, candidate: candidate.id) {
            case .failure(let problem):
                status = ConformanceResult(Check.stepStatus, .fail, "200 but \(problem.reason)")
            case .success(let event) where !gotCallback:
                // The callback row failed already; this is how Loom would still learn the outcome.
                status = ConformanceResult(Check.stepStatus, .pass, "200: \(event.summary), which no callback carried (Loom would apply it)")
            case .success(let event):
                // The answer is an event the migrator sent, or is sending (it may be ahead of what arrived).
                let (stepName, candidateID) = (step.name, candidate.id)
                let snapshot = await shim.recorder.wait(timeout: options.requestTimeout) { snapshot in
                    snapshot.events(of: callbackID).contains { (received: ReceivedEvent) -> Bool in
                        guard case .success(let sent) = ConformanceRules.event(received.body, step: stepName, candidate: candidateID) else { return false }
                        return sent.event.success == event.event.success && sent.phase == event.phase
                    }
                }
                let sent = snapshot.events(of: callbackID).contains { (received: ReceivedEvent) -> Bool in
                    guard case .success(let other) = ConformanceRules.event(received.body, step: step.name, candidate: candidate.id) else { return false }
                    return other.event.success == event.event.success && other.phase == event.phase
                }
                status = sent
                    ? ConformanceResult(Check.stepStatus, .pass, "200: \(event.summary), as sent in a callback")
                    : ConformanceResult(Check.stepStatus, .fail, "200 with \(event.summary), which no callback carried")
            }
        case 202:
            status = ConformanceResult(Check.stepStatus, .pass, "202: still working")
        case 404, 405, 501:
            return [ConformanceResult(
                        Check.stepStatus, .warn,
                        "not implemented (\(answer.status)): Loom lists a run whose callback was lost as stalled instead of asking"),
                    ConformanceResult(Check.stepStatusUnknown, .skip, "step-status not implemented")]
        default:
            status = ConformanceResult(Check.stepStatus, .fail, "answered \(answer.status) (\(Calls.excerpt(answer))); expected 200 with the latest event, 202, or 404")
        }
        let unknownKey = "\(callbackID)/0/\(step.name)/\(UInt32.random(in: 1_000...999_999))"
        let unknown: ConformanceResult
        switch await ask(unknownKey) {
        case .failure(let error):
            unknown = ConformanceResult(Check.stepStatusUnknown, .fail, "POST /step-status: \(error)")
        case .success(let response) where response.status == 404:
            unknown = ConformanceResult(Check.stepStatusUnknown, .pass, "404 for a key never dispatched")
        case .success(let response):
            unknown = ConformanceResult(
                Check.stepStatusUnknown, .fail,
                "answered \(response.status) for a key never dispatched; expected 404 (Loom marks the step stalled for an operator)")
        }
        return [status, unknown]
    }

    /// The status of a 2xx answer, or why it is not one.
    private static func twoHundred(_ outcome: Result<JSONHTTPClient.Response, Calls.CallFailure>, _ what: String) -> Result<Int, Failure> {
        switch outcome {
        case .failure(let error): return .failure(Failure("\(what): \(error)"))
        case .success(let response) where (200..<300).contains(response.status): return .success(response.status)
        case .success(let response): return .failure(Failure("\(what) answered \(response.status) (\(Calls.excerpt(response)))"))
        }
    }

    /// A reason as an error, for `Result`.
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
