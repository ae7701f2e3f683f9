import LoomTLS
import Testing

@Suite("TLSCrypto primitives")
struct TLSCryptoTests {
    @Test("random bytes have the requested length and differ between calls")
    func randomBytes() throws {
        let first = try TLSCrypto.randomBytes(count: 32)
        let second = try TLSCrypto.randomBytes(count: 32)
        #expect(first.count == 32 && second.count == 32)
        #expect(first != second)
        #expect(try TLSCrypto.randomBytes(count: 0).isEmpty)
    }
}
