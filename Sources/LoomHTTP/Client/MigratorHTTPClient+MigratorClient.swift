import LoomCore
import LoomMigratorKit
import NIOCore

extension MigratorHTTPClient: MigratorClient {
    /// `MigratorClient` port: POSTs the reference dispatch body (plus Loom's fields) to `{baseURL}/dispatch-step`.
    public func dispatchStep(_ request: LoomCore.DispatchStepRequest, baseURL: String, timeout: Duration) async throws {
        do {
            try await self.dispatchStep(ReferenceJSON.DispatchStepRequest(request), migratorUrl: baseURL, timeout: timeout)
        } catch {
            throw MigratorCallError(error)
        }
    }

    /// `MigratorClient` port: POSTs the status body to `{baseURL}/step-status`.
    public func stepStatus(
        _ request: LoomCore.StepStatusRequest, baseURL: String, timeout: Duration
    ) async throws -> LoomCore.StepStatusAnswer {
        do {
            switch try await self.stepStatus(ReferenceJSON.StepStatusRequest(request), migratorUrl: baseURL, timeout: timeout) {
            case .outcome(let event): return .outcome(event.domain)
            case .working: return .working
            case .unsupported(let status): return .unsupported(httpStatus: status)
            }
        } catch {
            throw MigratorCallError(error)
        }
    }

    /// `MigratorClient` port: POSTs the reference dry-run body to `{baseURL}/dry-run`.
    public func dryRun(_ request: LoomCore.DryRunRequest, baseURL: String, timeout: Duration) async throws -> LoomCore.DryRunResult {
        do {
            return try await self.dryRun(ReferenceJSON.DryRunRequest(request), migratorUrl: baseURL, timeout: timeout).domain
        } catch {
            throw MigratorCallError(error)
        }
    }
}

extension MigratorCallError {
    /// The port's error for a client error: statuses keep their code and body excerpt.
    ///
    /// The port's ``MigratorCallError/description`` already names the kind (and the status), so
    /// for a status the detail is only the body excerpt: the failure reads once, as
    /// `migrator answered HTTP 503: <body excerpt>`, not `… HTTP 503: dispatch-step: … HTTP 503 — …`.
    init(_ error: MigratorClientError) {
        let kind: Kind
        switch error.code {
        case .unexpectedStatus:
            kind = .httpStatus(error.statusCode ?? 0)
        case .requestTimeout, .connectTimeout:
            kind = .timeout
        case .invalidResponse, .responseTooLarge:
            kind = .badResponse
        default:
            kind = .unreachable
        }
        let excerpt = error.bodyExcerpt.flatMap { $0.isEmpty ? nil : $0 }
        let detail: String
        switch (kind, excerpt) {
        case (.httpStatus, let excerpt):
            detail = excerpt ?? ""
        case (_, let excerpt?):
            detail = "\(error.message) — body: \(excerpt)"
        case (_, nil):
            detail = error.message
        }
        self.init(kind, detail: detail)
    }
}
