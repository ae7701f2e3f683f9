import Foundation
import Metrics

extension Service {
    /// Applies a migrator's (or operator's) step event to the run `runID` (§2.11, §3.3, with
    /// Loom's fixes).
    ///
    /// The event must be for the run's candidate, its current step and (with a callback token)
    /// the current attempt and generation; otherwise it is rejected with `staleEvent` and
    /// changes nothing. An exact repeat of an event already applied — the same step, the
    /// token's generation and attempt, the same outcome (success status and phase, or failure
    /// reason) — changes nothing and succeeds, even after the run moved on (see
    /// ``receiveStepEvent(runID:credential:event:scope:)``); a conflicting one (another outcome for a
    /// finished step, an earlier attempt) is rejected. Events that arrive before the dispatch
    /// call returns are accepted.
    ///
    /// Every refusal of an event for a known run — missing or invalid token, a token for
    /// another run, a stale attempt, a finished run, another candidate — is visible: counted in
    /// `loom_events_rejected_total{reason}`, and written to the run's history (`event_rejected`)
    /// and logged at notice, at most once a minute per run and reason (a flood of bad callbacks
    /// cannot push the real history out).
    /// - Parameters:
    ///   - runID: The callback id (`{migrationId}__{candidateId}`).
    ///   - credential: The callback token, `.trustedCaller` when the transport authorised the
    ///     caller, or `.missingToken`. Without a configured signer, tokens are not checked.
    ///   - event: The report.
    ///   - scope: The migrations the caller may report for (``CallerScope``); an event for a run
    ///     of another migration is refused with ``LoomError/ownedByAnother(_:)`` before anything
    ///     else is checked, and nothing is recorded.
    /// - Returns: The run after the event.
    public func reportStepEvent(
        runID: String, credential: EventCredential, event: StepEvent, scope: CallerScope = .unrestricted
    ) async throws -> Run {
        try await receiveStepEvent(runID: runID, credential: credential, event: event, scope: scope).run
    }

    /// ``reportStepEvent(runID:credential:event:scope:)``, telling an event applied now from an exact
    /// repeat of one applied earlier (``StepEventReceipt/alreadyApplied``: nothing changed), so
    /// that the transports can answer "already applied" and a migrator that lost an answer can
    /// resend safely.
    public func receiveStepEvent(
        runID: String, credential: EventCredential, event: StepEvent, scope: CallerScope = .unrestricted
    ) async throws -> StepEventReceipt {
        let id = try RunID(parsing: runID)
        try await requireScope(scope, migrationId: id.migrationId)
        try Validation.event(event)
        // Before the token is checked: without the key every token would look forged.
        try requireSigningKey()
        do {
            var claims: CallbackClaims?
            switch credential {
            case .callbackToken(let token):
                if let signer = orchestrator.signer {
                    guard token.utf8.count <= Validation.maxTextLength, let verified = signer.verify(token) else {
                        throw LoomError.rejected(.invalidToken, "invalid callback token")
                    }
                    guard verified.runID == id else {
                        throw LoomError.rejected(.otherRun, "callback token was issued for another run")
                    }
                    claims = verified
                }
            case .missingToken:
                if orchestrator.signer != nil { throw LoomError.rejected(.missingToken, "missing callback token") }
            case .trustedCaller:
                break
            }
            return try await withRunNotFound(id) {
                try await orchestrator.applyEvent(id, event: event, claims: claims)
            }
        } catch let error as LoomError {
            if let reason = error.eventRejection { await recordRejection(id, reason: reason, error: error, event: event) }
            throw error
        }
    }

    /// The `pr-opened` notification (§2.12): a step event with the phase forced to `open`.
    public func reportPullRequestOpened(
        runID: String, credential: EventCredential, event: StepEvent, scope: CallerScope = .unrestricted
    ) async throws -> Run {
        try await receivePullRequestOpened(runID: runID, credential: credential, event: event, scope: scope).run
    }

    /// ``reportPullRequestOpened(runID:credential:event:)`` with its receipt (see
    /// ``receiveStepEvent(runID:credential:event:scope:)``).
    public func receivePullRequestOpened(
        runID: String, credential: EventCredential, event: StepEvent, scope: CallerScope = .unrestricted
    ) async throws -> StepEventReceipt {
        var event = event
        event.success = true
        event.phase = "open"
        return try await receiveStepEvent(runID: runID, credential: credential, event: event, scope: scope)
    }

    /// Counts a refused event and, unless the same run had the same refusal within the last
    /// minute, writes it to the run's history and logs it at notice.
    func recordRejection(_ runID: RunID, reason: EventRejection, error: LoomError, event: StepEvent) async {
        Counter(label: "loom.events.rejected.total", dimensions: [("reason", reason.rawValue)]).increment()
        guard rejectionLimiter.admit(runID: runID, reason: reason, now: clock.now()) else {
            logger.debug("event rejected (repeat)", metadata: ["run": "\(runID)", "reason": "\(reason.rawValue)"])
            return
        }
        logger.notice(
            "event rejected", metadata: ["run": "\(runID)", "step": "\(event.stepName)", "reason": "\(reason.rawValue)", "detail": "\(error.message)"])
        do {
            try await orchestrator.recordRejectedEvent(runID, reason: reason, detail: error.message, stepName: event.stepName)
        } catch let failure as LoomError where failure.code == .notFound {
            return  // no such run: nothing to record it in
        } catch {
            logger.warning("could not record a rejected event in the run's history", metadata: ["run": "\(runID)", "error": "\(error)"])
        }
    }
}

/// Admits one history record per (run, rejection reason) per minute, remembering at most
/// 10,000 pairs (the oldest forgotten first): a flood of bad callbacks cannot fill a run's
/// capped history or the server's memory.
final class RejectionLimiter: @unchecked Sendable {
    private let lock = NSLock()
    private var last: [String: Timestamp] = [:]
    private var order: [String] = []
    static let interval: Duration = .seconds(60)
    static let capacity = 10_000

    func admit(runID: RunID, reason: EventRejection, now: Timestamp) -> Bool {
        let key = "\(runID)|\(reason.rawValue)"
        return lock.withLock {
            if let previous = last[key], now - previous < Self.interval { return false }
            if last[key] == nil {
                order.append(key)
                if order.count > Self.capacity {
                    let dropped = order.count - Self.capacity
                    for old in order.prefix(dropped) { last[old] = nil }
                    order.removeFirst(dropped)
                }
            }
            last[key] = now
            return true
        }
    }
}
