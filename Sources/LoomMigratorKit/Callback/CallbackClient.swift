import Logging

/// Delivers step events to Loom's callback URL, resending after transient failures until a definitive answer.
///
/// Each event is POSTed to the dispatch's `callbackUrl` with `Authorization: Bearer <callbackToken>`. What
/// happens next follows Loom's answers (docs/writing-a-migrator.md, *Failures and retries*):
/// - 2xx: delivered (202 `event raised`, or 200 `already applied` for an exact repeat of an applied event);
/// - 409: a conflicting event (another outcome, a stale attempt): never resent;
/// - any other 4xx but 408 and 429: rejected (a bad token, a malformed body): never resent;
/// - 5xx (503 while Loom starts), 408, 429, no connection, a timeout: resent with exponential back-off and
///   jitter, up to ``RetryPolicy/attempts`` POSTs and ``RetryPolicy/maximumTotalDelay`` of waiting.
public struct CallbackClient: Sendable {
    /// Waits between two POSTs (`Task.sleep` in production; tests inject one that records and returns).
    public typealias Sleeper = @Sendable (Duration) async -> Void

    /// How transient failures are retried.
    public struct RetryPolicy: Sendable, Hashable {
        /// POSTs in all, the first included (at least 1).
        public var attempts: Int
        /// The wait after the first failure; doubled after each further one.
        public var initialDelay: Duration
        /// The longest single wait.
        public var maximumDelay: Duration
        /// Each wait is randomised by ± this fraction (0.2 = ±20 %), so many migrators do not resend in step.
        public var jitter: Double
        /// The most waiting in all for one event; the next wait that would pass it gives up instead.
        public var maximumTotalDelay: Duration

        /// Creates a policy.
        public init(
            attempts: Int, initialDelay: Duration, maximumDelay: Duration, jitter: Double = 0.2,
            maximumTotalDelay: Duration = .seconds(300)
        ) {
            self.attempts = max(attempts, 1)
            self.initialDelay = initialDelay
            self.maximumDelay = maximumDelay
            self.jitter = min(max(jitter, 0), 1)
            self.maximumTotalDelay = maximumTotalDelay
        }

        /// 8 POSTs, waiting 250 ms doubling to at most 10 s (about 30 s in all), ±20 %.
        public static let standard = RetryPolicy(attempts: 8, initialDelay: .milliseconds(250), maximumDelay: .seconds(10))

        /// The wait after the `failures`-th failed POST (1-based), before jitter.
        public func delay(after failures: Int) -> Duration {
            var delay = initialDelay
            for _ in 1..<max(failures, 1) {
                delay = delay * 2
                if delay >= maximumDelay { return maximumDelay }
            }
            return min(delay, maximumDelay)
        }

        /// ``delay(after:)`` randomised by ±``jitter`` with `unit` (a value in 0...1).
        func jittered(after failures: Int, unit: Double) -> Duration {
            delay(after: failures) * (1 + jitter * (2 * unit - 1))
        }
    }

    /// What became of one event.
    public enum Outcome: Sendable, Hashable {
        /// Loom has it: `alreadyApplied` when it answered that an exact repeat was applied before.
        case delivered(alreadyApplied: Bool)
        /// 409: Loom refused it as conflicting (another outcome, a stale attempt); resending will not help.
        case conflict(message: String)
        /// Refused for good (another 4xx, an RPC refusal, an unusable callback URL); `reason` starts with the
        /// status (`HTTP 401: invalid callback token`).
        case rejected(reason: String)
        /// Every POST failed transiently, within the policy's bounds; `lastError` says how the last one failed.
        case gaveUp(attempts: Int, lastError: String)

        /// Whether Loom has the event.
        public var isDelivered: Bool {
            if case .delivered = self { return true }
            return false
        }
    }

    /// The retry policy.
    public var retry: RetryPolicy
    /// The bound of each POST.
    public var requestTimeout: Duration
    private let http: JSONHTTPClient
    private let sleep: Sleeper
    private let random: @Sendable () -> Double
    private let logger: Logger

    /// Creates a client posting with `http`.
    /// - Parameters:
    ///   - sleep: Waits between POSTs; defaults to `Task.sleep`.
    ///   - random: A value in 0...1 for the jitter; defaults to the system generator.
    public init(
        http: JSONHTTPClient = JSONHTTPClient(), retry: RetryPolicy = .standard, requestTimeout: Duration = .seconds(10),
        logger: Logger = Logger(label: "loom.callback"),
        sleep: @escaping Sleeper = { try? await Task.sleep(for: $0) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.http = http
        self.retry = retry
        self.requestTimeout = requestTimeout
        self.logger = logger
        self.sleep = sleep
        self.random = random
    }

    /// The callback URL for `dispatch`: its `callbackUrl`, else `{loomURL}/event/{callbackId}` with `/` escaped.
    public static func callbackURL(for dispatch: ReferenceJSON.DispatchStepRequest, loomURL: String?) -> String? {
        if let url = dispatch.callbackUrl, !url.isEmpty { return url }
        guard let loomURL, !loomURL.isEmpty else { return nil }
        let escaped = JSONHTTPClient.escapePathSegment(dispatch.callbackId)
        let base = loomURL.hasSuffix("/") ? String(loomURL.dropLast()) : loomURL
        return "\(base)/event/\(escaped)"
    }

    /// POSTs `event` to `url` with `token` (no `Authorization` header when `nil` or empty), resending
    /// after transient failures; returns when Loom answered definitively or the policy's bounds are reached.
    public func deliver(
        _ event: ReferenceJSON.StepCompletedEvent, to url: String, token: String?
    ) async -> Outcome {
        var headers: [(String, String)] = []
        if let token, !token.isEmpty { headers.append(("authorization", "Bearer \(token)")) }
        let body = JSONCoding.encode(event)
        let (http, timeout, headersToSend) = (self.http, requestTimeout, headers)
        return await resend(stepName: event.stepName) {
            do {
                let response = try await http.post(url, headers: headersToSend, body: body, timeout: timeout)
                if let definitive = Self.definitive(response) { return .definitive(definitive) }
                return .transient("HTTP \(response.status): \(Self.message(of: response))")
            } catch JSONHTTPClientError.invalidURL {
                return .definitive(.rejected(reason: "invalid callback URL"))
            } catch {
                return .transient("\(error)")
            }
        }
    }

    /// The result of one send.
    enum Attempt: Sendable {
        /// Loom answered for good.
        case definitive(Outcome)
        /// Loom may not have it: send again (the reason is logged).
        case transient(String)
    }

    /// Calls `send` until it is definitive or the policy's bounds are reached, waiting with back-off between calls.
    func resend(stepName: String, _ send: @Sendable () async -> Attempt) async -> Outcome {
        var waited = Duration.zero
        var failures = 0
        while true {
            let lastError: String
            switch await send() {
            case .definitive(let outcome): return outcome
            case .transient(let error): lastError = error
            }
            failures += 1
            let delay = retry.jittered(after: failures, unit: random())
            guard failures < retry.attempts, waited + delay <= retry.maximumTotalDelay else {
                logger.error(
                    "event not delivered; giving up",
                    metadata: ["step": "\(stepName)", "attempts": "\(failures)", "error": "\(lastError)"])
                return .gaveUp(attempts: failures, lastError: lastError)
            }
            logger.warning(
                "event not delivered; resending",
                metadata: ["step": "\(stepName)", "attempt": "\(failures)", "in": "\(delay)", "error": "\(lastError)"])
            waited += delay
            await sleep(delay)
        }
    }

    /// The outcome of a definitive answer, `nil` for a transient one (5xx, 408, 429).
    static func definitive(_ response: JSONHTTPClient.Response) -> Outcome? {
        switch response.status {
        case 200..<300:
            let status = try? JSONCoding.decode(ReferenceJSON.StatusResponse.self, from: response.body)
            return .delivered(alreadyApplied: status?.status == "already applied")
        case 409:
            return .conflict(message: message(of: response))
        case 408, 429, 500...:
            return nil
        default:
            return .rejected(reason: "HTTP \(response.status): \(message(of: response))")
        }
    }

    /// The `error` of a JSON error body, else an excerpt of the body.
    static func message(of response: JSONHTTPClient.Response) -> String {
        if let error = try? JSONCoding.decode(ReferenceJSON.ErrorResponse.self, from: response.body) { return error.error }
        return response.bodyExcerpt()
    }
}
