import LoomCore

/// Callback tokens signed with HMAC-SHA256.
///
/// The key's inner and outer SHA-256 prefixes are computed once (``HMACSHA256/Key``), so
/// issuing or verifying a token hashes only its own ~60 bytes: about a microsecond, where
/// OpenSSL's one-shot `HMAC()` cost ~35 µs a call (it looks the digest up and keys a fresh
/// context every time) and showed up in the orchestrator's transitions per second.
///
/// A token is `v1.<claims>.<mac>`, both parts base64url without padding; the claims are
/// `runID|generation|stepName|attempt` (identifiers never contain `|`). Tokens carry no secret
/// and cannot be forged without the key. Every replica sharing a store must share the key,
/// and the key must survive restarts, or tokens already handed to migrators stop verifying.
public struct HMACCallbackTokenSigner: CallbackTokenSigner {
    /// The shortest key accepted, in bytes.
    public static let minimumKeySize = 32
    /// Tokens longer than this are rejected before any decoding.
    public static let maximumTokenLength = 1024
    /// What the MAC covers in front of the claims: the token's version.
    private static let macPrefix = Array("v1.".utf8)

    private let keyed: HMACSHA256.Key

    /// Creates a signer.
    /// - Throws: ``LoomError`` `invalidArgument` when the key is shorter than ``minimumKeySize``.
    public init(key: [UInt8]) throws(LoomError) {
        guard key.count >= Self.minimumKeySize else {
            throw LoomError(
                code: .invalidArgument,
                message: "callback signing key must be at least \(Self.minimumKeySize) bytes, got \(key.count)")
        }
        self.keyed = HMACSHA256.Key(key)
    }

    /// A key for another purpose derived from this one (HMAC of `label`), so that every
    /// replica sharing the callback key shares it too without another secret to distribute.
    public func derivedKey(label: String) -> [UInt8] {
        keyed.mac(Array("loom derived key: \(label)".utf8))
    }

    public func issue(_ claims: CallbackClaims) -> String {
        let payload = Array("\(claims.runID)|\(claims.generation)|\(claims.stepName)|\(claims.attempt)".utf8)
        let mac = keyed.mac(Self.macPrefix + payload)
        return "v1." + String(decoding: Base64URL.encode(payload), as: UTF8.self) + "." + String(decoding: Base64URL.encode(mac), as: UTF8.self)
    }

    public func verify(_ token: String) -> CallbackClaims? {
        guard token.utf8.count <= Self.maximumTokenLength else { return nil }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1",
            let payload = Base64URL.decode(Array(parts[1].utf8)[...]), let mac = Base64URL.decode(Array(parts[2].utf8)[...])
        else { return nil }
        let expected = keyed.mac(Self.macPrefix + payload)
        guard HMACSHA256.constantTimeEquals(expected, mac) else { return nil }
        let fields = String(decoding: payload, as: UTF8.self).split(separator: "|", omittingEmptySubsequences: false)
        guard fields.count == 4, let generation = UInt32(fields[1]), let attempt = UInt32(fields[3]),
            let runID = try? RunID(parsing: String(fields[0]))
        else { return nil }
        return CallbackClaims(runID: runID, generation: generation, stepName: String(fields[2]), attempt: attempt)
    }
}
