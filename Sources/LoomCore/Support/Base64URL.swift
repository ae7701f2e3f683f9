/// Base64url (RFC 4648 §5) without padding, bytewise; decoding accepts only canonical encodings.
/// Page tokens and callback tokens use it (Foundation's base64 plus character replacement cost
/// several microseconds per token, on every dispatch and every callback).
package enum Base64URL {
    /// The 64 symbols in value order.
    package static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// The unpadded encoding of `bytes`, as ASCII bytes.
    package static func encode(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index < bytes.count {
            let b0 = UInt32(bytes[index])
            let b1 = index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0
            let b2 = index + 2 < bytes.count ? UInt32(bytes[index + 2]) : 0
            let group = b0 << 16 | b1 << 8 | b2
            let symbols = min(bytes.count - index, 3) + 1
            for position in 0..<symbols {
                out.append(alphabet[Int((group >> UInt32(18 - 6 * position)) & 0x3f)])
            }
            index += 3
        }
        return out
    }

    /// The bytes `text` encodes; nil for characters outside the alphabet, padding, an
    /// impossible length, or non-zero unused trailing bits.
    package static func decode(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        guard text.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(text.count * 3 / 4)
        var group: UInt32 = 0
        var symbols = 0
        for character in text {
            guard let value = value(of: character) else { return nil }
            group = group << 6 | value
            symbols += 1
            if symbols == 4 {
                out.append(UInt8(truncatingIfNeeded: group >> 16))
                out.append(UInt8(truncatingIfNeeded: group >> 8))
                out.append(UInt8(truncatingIfNeeded: group))
                group = 0
                symbols = 0
            }
        }
        switch symbols {
        case 2:
            guard group & 0x0f == 0 else { return nil }
            out.append(UInt8(truncatingIfNeeded: group >> 4))
        case 3:
            guard group & 0x03 == 0 else { return nil }
            out.append(UInt8(truncatingIfNeeded: group >> 10))
            out.append(UInt8(truncatingIfNeeded: group >> 2))
        default:
            break
        }
        return out
    }

    /// The 6-bit value of one symbol, or nil when it is not in the alphabet.
    private static func value(of character: UInt8) -> UInt32? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt32(character - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt32(character - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(character - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }
}
