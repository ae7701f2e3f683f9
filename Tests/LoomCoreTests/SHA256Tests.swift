import LoomCore
import Testing

/// Lower-case hex of `bytes`.
private func lowerHex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]] })
}

@Suite("Pure-Swift SHA-256 and HMAC-SHA256")
struct SHA256Tests {
    @Test(
        "SHA-256 matches the FIPS 180-4 / RFC 6234 test vectors",
        arguments: [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
            (
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
                "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
            ),
        ]
    )
    func vectors(message: String, expected: String) {
        #expect(lowerHex(SHA256.hash(Array(message.utf8))) == expected)
    }

    @Test("SHA-256 of one million 'a' matches the NIST vector")
    func millionA() {
        let digest = SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
        #expect(lowerHex(digest) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test(
        "SHA-256 pads correctly around the block boundaries (lengths 55 to 128)",
        arguments: [
            (55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
            (56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
            (57, "f13b2d724659eb3bf47f2dd6af1accc87b81f09f59f2b75e5c0bed6589dfe8c6"),
            (63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
            (64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
            (65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"),
            (119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"),
            (120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"),
            (128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e"),
        ]
    )
    func boundaries(length: Int, expected: String) {
        #expect(lowerHex(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: length))) == expected)
    }

    @Test("non-contiguous sequences and incremental updates at every split give the one-shot digest")
    func incremental() {
        let message = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let oneShot = SHA256.hash(message)
        #expect(SHA256.hash(message.lazy.map { $0 }) == oneShot)
        for split in 0...message.count {
            var context = SHA256.Context()
            context.update(message[..<split])
            context.update(message[split...].lazy.map { $0 })
            #expect(context.finalize() == oneShot, "split at \(split)")
        }
        var context = SHA256.Context()
        for chunk in stride(from: 0, to: message.count, by: 7) {
            context.update(message[chunk..<min(chunk + 7, message.count)])
        }
        #expect(context.finalize() == oneShot)
    }

    @Test("finalize leaves the context usable: a copy forks the computation")
    func fork() {
        var context = SHA256.Context()
        context.update(Array("ab".utf8))
        let prefix = context
        context.update(Array("c".utf8))
        #expect(lowerHex(context.finalize()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(prefix.finalize() == SHA256.hash(Array("ab".utf8)))
    }

    @Test(
        "HMAC-SHA256 matches RFC 4231 test cases 1, 2, 3, 4, 6 and 7",
        arguments: [
            (
                [UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
            ),
            (
                Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
            ),
            (
                [UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
                "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
            ),
            (
                Array(1...25), [UInt8](repeating: 0xcd, count: 50),
                "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
            ),
            (
                [UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
            ),
            (
                [UInt8](repeating: 0xaa, count: 131),
                Array(
                    ("This is a test using a larger than block-size key and a larger than block-size data. "
                        + "The key needs to be hashed before being used by the HMAC algorithm.").utf8),
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
            ),
        ] as [([UInt8], [UInt8], String)]
    )
    func hmacVectors(key: [UInt8], message: [UInt8], expected: String) {
        #expect(lowerHex(HMACSHA256.mac(key: key, message: message)) == expected)
    }

    @Test("HMAC-SHA256 handles an empty key and keys of exactly and just over one block")
    func hmacKeyLengths() {
        // Expected values from Python's hmac module.
        #expect(lowerHex(HMACSHA256.mac(key: [], message: [])) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
        let x = Array("x".utf8)
        #expect(
            lowerHex(HMACSHA256.mac(key: [UInt8](repeating: UInt8(ascii: "k"), count: 64), message: x))
                == "f91c4c403625fb06910ef93999265bbd2d62baeaec6ff36455498cc124fe3e66")
        #expect(
            lowerHex(HMACSHA256.mac(key: [UInt8](repeating: UInt8(ascii: "k"), count: 65), message: x))
                == "75092ca3ee2b307470c227697b42b3e65376aa3bae98fb5a1f7b7536daa9588a")
    }

    @Test("constant-time comparison is equality on byte arrays")
    func constantTimeEquals() {
        #expect(HMACSHA256.constantTimeEquals([], []))
        #expect(HMACSHA256.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!HMACSHA256.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!HMACSHA256.constantTimeEquals([0, 2, 3], [1, 2, 3]))
        #expect(!HMACSHA256.constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(!HMACSHA256.constantTimeEquals([], [0]))
    }

    @Test("a pre-keyed HMAC reused over many messages equals the RFC 2104 formula, at every block boundary")
    func preKeyedReuse() {
        for keyLength in [0, 20, 32, 64, 65, 131] {
            let key = (0..<keyLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
            let keyed = HMACSHA256.Key(key)
            var blockKey = keyLength > 64 ? SHA256.hash(key) : key
            blockKey += [UInt8](repeating: 0, count: 64 - blockKey.count)
            for length in 0...200 {
                let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ keyLength) }
                // H((K ^ opad) || H((K ^ ipad) || m)), written out with the plain hash.
                let innerHash = SHA256.hash(blockKey.map { $0 ^ 0x36 } + message)
                let expected = SHA256.hash(blockKey.map { $0 ^ 0x5c } + innerHash)
                #expect(keyed.mac(message) == expected, "key \(keyLength) bytes, message \(length) bytes")
            }
        }
    }
}
