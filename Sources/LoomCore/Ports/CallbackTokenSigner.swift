/// What a callback token is bound to.
public struct CallbackClaims: Hashable, Sendable, Codable {
    /// The run.
    public var runID: RunID
    /// The run generation.
    public var generation: UInt32
    /// The step.
    public var stepName: String
    /// The step attempt.
    public var attempt: UInt32

    /// Creates claims.
    public init(runID: RunID, generation: UInt32, stepName: String, attempt: UInt32) {
        self.runID = runID
        self.generation = generation
        self.stepName = stepName
        self.attempt = attempt
    }
}

/// Issues and verifies the per-dispatch callback tokens migrators present with events.
///
/// The production implementation (HMAC-SHA256 via OpenSSL) lives in LoomTLS; the token format
/// is the implementation's business. Tokens must be unforgeable without the key and must not
/// contain secrets.
public protocol CallbackTokenSigner: Sendable {
    /// A token binding `claims`.
    func issue(_ claims: CallbackClaims) -> String

    /// The claims of `token` if it is well-formed and correctly signed, else `nil`.
    /// Must not crash or allocate unboundedly on hostile input.
    func verify(_ token: String) -> CallbackClaims?

    /// Whether the signer has its key. A signer whose key is read from the store after start
    /// is not ready until then: the orchestrator claims no timers, and the calls that issue or
    /// check tokens fail with ``LoomError/Code/notReady``, changing nothing. Once `true`, it
    /// stays `true`.
    var isReady: Bool { get }
}

extension CallbackTokenSigner {
    /// A signer constructed with its key is always ready.
    public var isReady: Bool { true }
}
