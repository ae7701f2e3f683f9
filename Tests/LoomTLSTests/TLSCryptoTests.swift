import LoomTLS
import Testing

@Suite("TLSCrypto primitives")
struct TLSCryptoTests {
    private func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]] })
    }

    @Test(
        "HMAC-SHA256 matches the RFC 4231 test vectors",
        arguments: [
            // Test case 1
            (
                [UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
            ),
            // Test case 2: a key shorter than the block
            (
                Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
            ),
            // Test case 6: a key longer than the block size
            (
                [UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
            ),
        ] as [([UInt8], [UInt8], String)]
    )
    func rfc4231(key: [UInt8], message: [UInt8], expected: String) {
        #expect(hex(TLSCrypto.hmacSHA256(key: key, message: message)) == expected)
    }

    @Test("HMAC-SHA256 accepts an empty key and message")
    func emptyInputs() {
        // HMAC-SHA256("", "") from Python's hmac module.
        #expect(
            hex(TLSCrypto.hmacSHA256(key: [], message: []))
                == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test("constant-time comparison compares length and content")
    func constantTimeEquals() {
        #expect(TLSCrypto.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!TLSCrypto.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!TLSCrypto.constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(TLSCrypto.constantTimeEquals([UInt8](), []))
    }

    @Test("random bytes have the requested length and differ between calls")
    func randomBytes() throws {
        let first = try TLSCrypto.randomBytes(count: 32)
        let second = try TLSCrypto.randomBytes(count: 32)
        #expect(first.count == 32 && second.count == 32)
        #expect(first != second)
        #expect(try TLSCrypto.randomBytes(count: 0).isEmpty)
    }
}
