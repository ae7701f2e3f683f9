import LoomCore
import LoomServer
import Testing

@Suite("HMAC callback tokens")
struct CallbackTokenTests {
    let signer = try! HMACCallbackTokenSigner(key: Array(repeating: 7, count: 32))
    let claims = CallbackClaims(
        runID: try! RunID(migrationId: "m", candidateId: "c"), generation: 2, stepName: "swap-chart", attempt: 3)

    @Test("a token verifies to exactly the claims it was issued for")
    func roundTrip() {
        #expect(signer.verify(signer.issue(claims)) == claims)
    }

    @Test("another key, a changed byte, truncation and garbage all fail verification")
    func forgeries() throws {
        let token = signer.issue(claims)
        let other = try HMACCallbackTokenSigner(key: Array(repeating: 8, count: 32))
        #expect(other.verify(token) == nil)
        for index in token.indices where token[index] != "." {
            var bytes = Array(token.utf8)
            let offset = token.utf8.distance(from: token.utf8.startIndex, to: index.samePosition(in: token.utf8)!)
            bytes[offset] = bytes[offset] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            #expect(signer.verify(String(decoding: bytes, as: UTF8.self)) == nil)
        }
        for length in 0..<token.count { #expect(signer.verify(String(token.prefix(length))) == nil) }
        #expect(signer.verify(String(repeating: "v1.", count: 2000)) == nil)
        #expect(signer.verify("v1.%%%.***") == nil)
    }

    @Test("short keys are refused")
    func shortKey() {
        #expect(throws: LoomError.self) { try HMACCallbackTokenSigner(key: Array(repeating: 1, count: 31)) }
    }
}
