import NIOCore
import Testing

@testable import LoomRedis

@Suite("RESP encoder")
struct RESPEncoderTests {
    @Test("a command is an array of bulk strings")
    func command() {
        var buffer = ByteBuffer()
        RESPEncoder.encode(
            RedisCommand("SET", "key", .bytes(ByteBuffer(string: "v\r\n")), 42, .double(1.5), "é"), into: &buffer)
        #expect(
            String(buffer: buffer)
                == "*6\r\n$3\r\nSET\r\n$3\r\nkey\r\n$3\r\nv\r\n\r\n$2\r\n42\r\n$3\r\n1.5\r\n$2\r\né\r\n")
    }

    @Test("infinite doubles use Redis' notation")
    func infinities() {
        var buffer = ByteBuffer()
        RESPEncoder.encode(RedisCommand("ZADD", "z", .double(.infinity), "m", .double(-.infinity), "n"), into: &buffer)
        #expect(String(buffer: buffer).contains("$3\r\ninf\r\n"))
        #expect(String(buffer: buffer).contains("$4\r\n-inf\r\n"))
    }

    @Test("a command's description shows no argument values")
    func descriptionHidesArguments() {
        let command = RedisCommand("AUTH", "user", "s3cret")
        #expect(!command.description.contains("s3cret"))
    }

    @Test("SHA-1 matches the standard test vectors")
    func sha1() {
        #expect(SHA1.hexDigest("abc".utf8) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(SHA1.hexDigest("".utf8) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(
            SHA1.hexDigest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
                == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        #expect(RedisScript("return 1").sha1 == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
    }
}
