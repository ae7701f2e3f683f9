import NIOCore
import NIOTestUtils
import Testing

@testable import LoomRedis

@Suite("RESP decoder")
struct RESPDecoderTests {
    private func decodeAll(_ text: String, limits: RESPDecoder.Limits = .init()) throws -> [RESPValue] {
        var decoder = RESPDecoder(limits: limits)
        var buffer = ByteBuffer(string: text)
        var values: [RESPValue] = []
        while let value = try decoder.decode(buffer: &buffer) { values.append(value) }
        return values
    }

    private func expectViolation(_ text: String, limits: RESPDecoder.Limits = .init()) {
        #expect {
            _ = try decodeAll(text, limits: limits)
        } throws: { error in
            (error as? RedisError)?.code == .protocolViolation
        }
    }

    static let everyType: [(String, RESPValue)] = [
        ("+OK\r\n", .simpleString("OK")),
        ("-ERR unknown command\r\n", .error("ERR unknown command")),
        ("!21\r\nSYNTAX invalid syntax\r\n", .error("SYNTAX invalid syntax")),
        (":0\r\n", .integer(0)),
        (":-9223372036854775808\r\n", .integer(.min)),
        (":9223372036854775807\r\n", .integer(.max)),
        ("$5\r\nhello\r\n", .bulk("hello")),
        ("$0\r\n\r\n", .bulk("")),
        ("$4\r\na\r\nb\r\n", .bulk("a\r\nb")),
        ("$-1\r\n", .null),
        ("*-1\r\n", .null),
        ("_\r\n", .null),
        ("*0\r\n", .array([])),
        ("*2\r\n:1\r\n$1\r\nx\r\n", .array([.integer(1), .bulk("x")])),
        ("*2\r\n*1\r\n+a\r\n*0\r\n", .array([.array([.simpleString("a")]), .array([])])),
        ("%2\r\n+a\r\n:1\r\n+b\r\n#t\r\n", .map([.init(key: .simpleString("a"), value: .integer(1)), .init(key: .simpleString("b"), value: .boolean(true))])),
        ("~2\r\n+x\r\n+y\r\n", .set([.simpleString("x"), .simpleString("y")])),
        (",3.25\r\n", .double(3.25)),
        (",-1e3\r\n", .double(-1000)),
        (",inf\r\n", .double(.infinity)),
        (",-inf\r\n", .double(-.infinity)),
        ("#t\r\n", .boolean(true)),
        ("#f\r\n", .boolean(false)),
        ("(3492890328409238509324850943850943825024385\r\n", .bigNumber("3492890328409238509324850943850943825024385")),
        ("(-12\r\n", .bigNumber("-12")),
        ("=15\r\ntxt:Some string\r\n", .verbatimString(format: "txt", text: ByteBuffer(string: "Some string"))),
        (">3\r\n+message\r\n+ch\r\n$2\r\nhi\r\n", .push([.simpleString("message"), .simpleString("ch"), .bulk("hi")])),
        ("|1\r\n+ttl\r\n:3600\r\n:7\r\n", .attributed(attributes: [.init(key: .simpleString("ttl"), value: .integer(3600))], value: .integer(7))),
    ]

    @Test("decodes every RESP2 and RESP3 type, delivered whole, byte by byte and many per buffer")
    func everyTypeByteByByte() throws {
        let pairs = Self.everyType.map { (text, value) in (text, [value]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(stringInputOutputPairs: pairs) {
            RESPDecoder()
        }
    }

    @Test("encoding then decoding every type gives the same value", arguments: RESPDecoderTests.everyType.map(\.1))
    func roundTrip(value: RESPValue) throws {
        var buffer = ByteBuffer()
        RESPEncoder.encode(value, into: &buffer)
        var decoder = RESPDecoder()
        let decoded = try decoder.decode(buffer: &buffer)
        // RESP2 nulls re-encode as RESP3 `_`; everything else must match exactly.
        #expect(decoded == value)
        #expect(buffer.readableBytes == 0)
    }

    @Test("nan decodes to a NaN double")
    func nan() throws {
        let values = try decodeAll(",nan\r\n")
        guard case .double(let d) = values.first else { Issue.record("not a double: \(values)"); return }
        #expect(d.isNaN)
    }

    @Test("a partial value consumes nothing until its last byte arrives")
    func waitsOnPartialInput() throws {
        var decoder = RESPDecoder()
        let full = "*3\r\n$5\r\nhello\r\n:42\r\n%1\r\n+k\r\n_\r\n"
        for cut in 1..<full.utf8.count {
            var buffer = ByteBuffer(string: String(full.utf8.prefix(cut))!)
            let before = buffer.readerIndex
            #expect(try decoder.decode(buffer: &buffer) == nil, "cut at \(cut)")
            #expect(buffer.readerIndex == before)
        }
        var buffer = ByteBuffer(string: full)
        #expect(try decoder.decode(buffer: &buffer) == .array([.bulk("hello"), .integer(42), .map([.init(key: .simpleString("k"), value: .null)])]))
    }

    @Test(
        "malformed input is a protocol violation",
        arguments: [
            "X\r\n",  // unknown type byte
            "HTTP/1.1 400 Bad Request\r\n\r\n",  // not RESP at all
            "+OK\rX",  // CR without LF
            ":12a\r\n",  // bad integer
            ":\r\n",  // empty integer
            ":99999999999999999999\r\n",  // integer overflow
            "$-2\r\n",  // negative length
            "$abc\r\n",  // non-numeric length
            "$3\r\nabcXY",  // bulk not followed by CRLF
            "%-1\r\n",  // negative map size
            "~-1\r\n",  // negative set size
            "!-1\r\n",  // null blob error
            "#x\r\n",  // bad boolean
            "#tt\r\n",  // bad boolean
            ",1.2.3\r\n",  // bad double
            ",abc\r\n",  // bad double
            "(12x\r\n",  // bad big number
            "(\r\n",  // empty big number
            "=3\r\ntxt\r\n",  // verbatim too short
            "=5\r\ntxtab\r\n",  // verbatim without ':'
            "_x\r\n",  // null with payload
            "$?\r\n",  // streamed string
            "*?\r\n",  // streamed aggregate
        ])
    func malformed(input: String) {
        expectViolation(input)
    }

    @Test("absurd lengths are rejected before any payload arrives")
    func absurdLengths() {
        let limits = RESPDecoder.Limits(maxBulkLength: 1024, maxAggregateCount: 100)
        expectViolation("$1025\r\n", limits: limits)
        expectViolation("$9223372036854775807\r\n", limits: limits)
        expectViolation("*101\r\n", limits: limits)
        expectViolation("%51\r\n+a\r\n", limits: RESPDecoder.Limits(maxAggregateCount: 50))
        expectViolation("*4611686018427387904\r\n")
        expectViolation("=1000000000000\r\n")
    }

    @Test("nesting beyond the depth limit is rejected")
    func depth() throws {
        let limits = RESPDecoder.Limits(maxDepth: 8)
        expectViolation(String(repeating: "*1\r\n", count: 9) + ":1\r\n", limits: limits)
        #expect(try decodeAll(String(repeating: "*1\r\n", count: 8) + ":1\r\n", limits: limits).count == 1)
        // A deeply nested flood must not recurse without bound with the default limit either.
        expectViolation(String(repeating: "*1\r\n", count: 100_000))
    }

    @Test("a line without CRLF longer than the line limit is rejected instead of buffered forever")
    func longLine() {
        expectViolation("+" + String(repeating: "a", count: 2000), limits: RESPDecoder.Limits(maxLineLength: 1000))
    }
}
