import Foundation
import LoomCore
import Testing

@Suite("Signed page tokens")
struct PageTokenTests {
    static let key: [UInt8] = (0..<32).map { UInt8($0 &* 7 &+ 3) }
    let codec = PageTokenCodec(key: Self.key)

    /// Base64url without padding, via Foundation (independent of the codec's encoder).
    static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes unpadded base64url via Foundation.
    static func unbase64url(_ text: Substring) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
        return Data(base64Encoded: standard).map { Array($0) }
    }

    /// A token over an arbitrary payload, correctly signed with `key`.
    static func signed(_ payload: [UInt8], key: [UInt8] = key) -> String {
        let mac = HMACSHA256.mac(key: key, message: Array("p1.".utf8) + payload)
        return "p1." + base64url(payload) + "." + base64url(mac)
    }

    /// `text` as a payload string: one-byte length (short strings only) and UTF-8 bytes.
    static func short(_ text: String) -> [UInt8] {
        [UInt8(text.utf8.count)] + Array(text.utf8)
    }

    static let awkwardFields: [(String, String)] = [
        ("after", "a|b=c.d"),
        ("nl", "line1\nline2\r\n"),
        ("", ""),
        ("é", "日本語 🧵 e\u{301}"),
        ("nul", "\u{0}x\u{0}"),
        ("=|.", "p1.x.y"),
        ("json", "{\"a\": [1, 2]}"),
        ("long", String(repeating: "xyz", count: 100)),
    ]

    @Test(
        "a sealed token opens to the same fields and expiry, whatever the values",
        arguments: [Int64(0), 1_700_000_000_123, Int64.max, -1, Int64.min]
    )
    func roundTrip(expiresAt: Int64) throws {
        for kind in ["candidates", "runs", "", "ru|ns.\n⚙︎"] {
            let token = codec.seal(kind: kind, fields: Self.awkwardFields, expiresAt: expiresAt)
            let opened = try #require(codec.open(token, kind: kind))
            #expect(opened.expiresAt == expiresAt)
            #expect(opened.fields == Dictionary(uniqueKeysWithValues: Self.awkwardFields))
        }
        let empty = try #require(codec.open(codec.seal(kind: "runs", fields: [], expiresAt: expiresAt), kind: "runs"))
        #expect(empty.fields.isEmpty)
        #expect(empty.expiresAt == expiresAt)
    }

    @Test("the token format is p1.base64url(payload).base64url(HMAC-SHA256(key, p1.payload)), unpadded")
    func format() throws {
        let token = codec.seal(kind: "runs", fields: [("a", "b")], expiresAt: 5)
        #expect(token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        #expect(parts.count == 3)
        #expect(parts[0] == "p1")
        let payload = try #require(Self.unbase64url(parts[1]))
        let mac = try #require(Self.unbase64url(parts[2]))
        #expect(payload == Self.short("runs") + [0, 0, 0, 0, 0, 0, 0, 5] + [1] + Self.short("a") + Self.short("b"))
        #expect(mac == HMACSHA256.mac(key: Self.key, message: Array("p1.".utf8) + payload))
        #expect(Self.signed(payload) == token)
        #expect(codec.seal(kind: "runs", fields: [("a", "b")], expiresAt: 5) == token, "sealing is deterministic")
    }

    @Test("when a field name repeats, the last value wins")
    func repeatedField() throws {
        let token = codec.seal(kind: "runs", fields: [("a", "1"), ("b", "2"), ("a", "3")], expiresAt: 0)
        #expect(try #require(codec.open(token, kind: "runs")).fields == ["a": "3", "b": "2"])
    }

    @Test("changing any one character of a token makes it unopenable")
    func flippedCharacter() throws {
        let token = codec.seal(kind: "candidates", fields: [("m", "mig"), ("after", "c-17")], expiresAt: 1_700_000_000_000)
        #expect(codec.open(token, kind: "candidates") != nil)
        let characters = Array(token)
        for index in characters.indices {
            var changed = characters
            changed[index] = characters[index] == "A" ? "B" : "A"
            #expect(codec.open(String(changed), kind: "candidates") == nil, "changed character \(index)")
        }
    }

    @Test("only the canonical base64url encoding opens (no padding, no stray trailing bits)")
    func canonicalOnly() throws {
        let token = codec.seal(kind: "runs", fields: [("a", "b")], expiresAt: 0)
        #expect(codec.open(token, kind: "runs") != nil)
        // The 32-byte MAC ends in a symbol with two unused bits; setting one keeps the bytes.
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var characters = Array(token)
        let last = try #require(alphabet.firstIndex(of: characters[characters.count - 1]))
        characters[characters.count - 1] = alphabet[last | 1]
        #expect(codec.open(String(characters), kind: "runs") == nil)
        #expect(codec.open(token + "=", kind: "runs") == nil)
        #expect(codec.open(token + "\n", kind: "runs") == nil)
        #expect(codec.open(" " + token, kind: "runs") == nil)
        // Standard base64 symbols instead of base64url ones.
        let standard = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        if standard != token { #expect(codec.open(standard, kind: "runs") == nil) }
    }

    @Test("a token for another listing kind is rejected")
    func otherKind() {
        let token = codec.seal(kind: "runs", fields: [("m", "x")], expiresAt: 0)
        #expect(codec.open(token, kind: "runs") != nil)
        for kind in ["candidates", "run", "runs ", "Runs", "", "runsx"] {
            #expect(codec.open(token, kind: kind) == nil, "kind \(kind)")
        }
    }

    @Test("a token sealed with another key is rejected")
    func otherKey() {
        var otherKey = Self.key
        otherKey[31] ^= 1
        let other = PageTokenCodec(key: otherKey)
        let token = other.seal(kind: "runs", fields: [("m", "x")], expiresAt: 0)
        #expect(other.open(token, kind: "runs") != nil)
        #expect(codec.open(token, kind: "runs") == nil)
        let longKey = PageTokenCodec(key: Self.key + [1])
        #expect(codec.open(longKey.seal(kind: "runs", fields: [], expiresAt: 0), kind: "runs") == nil)
    }

    @Test(
        "garbage and the empty string are rejected",
        arguments: [
            "", "p1", "p1.", "p1..", "p1.a.b", "p1.AAAA.AAAA", "p2.AAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "p1.%%%.$$$", "p1.AAAA.AAAA.AAAA", "....", "p1.\u{0}.\u{0}", "p1.🧵.🧵", "not a token at all", "runs",
        ]
    )
    func garbage(token: String) {
        #expect(codec.open(token, kind: "runs") == nil)
        #expect(codec.open(token, kind: "") == nil)
    }

    @Test("correctly signed but malformed payloads are rejected without crashing")
    func malformedPayloads() {
        let kind = Self.short("runs")
        let expiry: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]
        let valid = kind + expiry + [1] + Self.short("a") + Self.short("b")
        #expect(codec.open(Self.signed(valid), kind: "runs")?.fields == ["a": "b"])
        let payloads: [[UInt8]] = [
            [],
            kind,
            kind + [0, 0, 0],
            kind + expiry,
            kind + expiry + [1],
            kind + expiry + [1] + Self.short("a"),
            kind + expiry + [2] + Self.short("a") + Self.short("b"),
            valid + [0],
            kind + expiry + [1, 1, UInt8(ascii: "a"), 5, UInt8(ascii: "b")],
            kind + expiry + [1] + Self.short("a") + [2, 0xc3, 0x28],  // invalid UTF-8
            kind + expiry + [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],  // huge field count
            [0xff, 0xff, 0xff, 0xff, 0x0f] + Array("runs".utf8) + expiry + [0],  // huge length
            [0x84, 0x00] + Array("runs".utf8) + expiry + [0],  // over-long length encoding
            [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80],  // unterminated varint
        ]
        for payload in payloads {
            #expect(codec.open(Self.signed(payload), kind: "runs") == nil, "payload \(payload)")
        }
    }

    @Test("over-long tokens are rejected, counted in UTF-8 bytes")
    func overLong() {
        let valid = codec.seal(kind: "runs", fields: [("a", "b")], expiresAt: 0)
        #expect(codec.open(valid, kind: "runs") != nil)
        #expect(codec.open(valid + String(repeating: "A", count: 3000), kind: "runs") == nil)
        #expect(codec.open(String(repeating: "A", count: 100_000), kind: "runs") == nil)
        #expect(codec.open("p1." + String(repeating: "é", count: 1025), kind: "runs") == nil)
        let hugeField = codec.seal(kind: "runs", fields: [("a", String(repeating: "x", count: 10_000))], expiresAt: 0)
        #expect(hugeField.utf8.count > PageTokenCodec.maxTokenLength)
        #expect(codec.open(hugeField, kind: "runs") == nil)
    }

    @Test("tokens up to 2048 bytes open and longer ones do not")
    func lengthBoundary() throws {
        #expect(PageTokenCodec.maxTokenLength == 2048)
        // Unpadded base64url never has length 4k+1, so a token is never exactly 2048 bytes
        // ("p1." + payload + "." + 43): the longest openable one has 2047, the next 2049.
        var longestOpened = 0
        var shortestRefused = Int.max
        for length in 1400...1600 {
            let token = codec.seal(kind: "runs", fields: [("a", String(repeating: "x", count: length))], expiresAt: 0)
            let size = token.utf8.count
            if let opened = codec.open(token, kind: "runs") {
                #expect(size <= 2048)
                #expect(opened.fields["a"]?.utf8.count == length)
                longestOpened = max(longestOpened, size)
            } else {
                #expect(size > 2048)
                shortestRefused = min(shortestRefused, size)
            }
        }
        #expect(longestOpened == 2047)
        #expect(shortestRefused == 2049)
        // The 2048-byte string made of the longest token and one more symbol does not open.
        let token = try #require(
            (1400...1600).lazy
                .map { codec.seal(kind: "runs", fields: [("a", String(repeating: "x", count: $0))], expiresAt: 0) }
                .first { $0.utf8.count == 2047 })
        #expect(codec.open(token + "A", kind: "runs") == nil)
    }
}
