import LoomCore

/// A deterministic stand-in for the HMAC signer: tokens are
/// `runId|generation|step|attempt|signature` with a keyed checksum, so tampering is detected.
public struct FakeCallbackTokenSigner: CallbackTokenSigner {
    private let key: UInt64

    /// Creates a signer with `key`; tokens of signers with other keys do not verify.
    public init(key: UInt64 = 0x5eed) {
        self.key = key
    }

    /// Issues a token for `claims`.
    public func issue(_ claims: CallbackClaims) -> String {
        let body = "\(claims.runID)|\(claims.generation)|\(claims.stepName)|\(claims.attempt)"
        return "\(body)|\(signature(body))"
    }

    /// Verifies `token`; `nil` when malformed or mis-signed.
    public func verify(_ token: String) -> CallbackClaims? {
        let parts = token.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5 else { return nil }
        let body = parts[0...3].joined(separator: "|")
        guard parts[4] == signature(body), let generation = UInt32(parts[1]), let attempt = UInt32(parts[3]),
            let runID = try? RunID(parsing: parts[0])
        else { return nil }
        return CallbackClaims(runID: runID, generation: generation, stepName: parts[2], attempt: attempt)
    }

    private func signature(_ body: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ key
        for byte in body.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
