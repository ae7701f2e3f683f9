import CLoomProto

/// A failure to decode or encode a Loom protobuf message.
///
/// Decoding never traps: truncated or malformed bytes, wrong wire types,
/// invalid UTF-8 and messages over the configured size limit all surface as
/// this error.
public struct ProtoCodecError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Base: Hashable, Sendable {
        case malformed
        case tooLarge(size: Int, limit: Int)
    }

    private let base: Base
    /// The fully qualified protobuf name of the message involved, e.g. `loom.v1.Run`.
    public let messageName: String

    private init(_ base: Base, messageName: String) {
        self.base = base
        self.messageName = messageName
    }

    /// The bytes are not a valid encoding of the message.
    public static func malformed(_ messageName: String) -> Self { Self(.malformed, messageName: messageName) }

    /// The encoded message is larger than the allowed limit.
    public static func tooLarge(_ messageName: String, size: Int, limit: Int) -> Self {
        Self(.tooLarge(size: size, limit: limit), messageName: messageName)
    }

    public var description: String {
        switch base {
        case .malformed: "malformed \(messageName) message"
        case .tooLarge(let size, let limit): "\(messageName) message of \(size) bytes exceeds the limit of \(limit) bytes"
        }
    }
}

/// The protobuf-c descriptor of `service Loom`, from which the RPC layer takes method names.
public enum LoomServiceDescriptor {
    /// The fully qualified service name, `loom.v1.Loom`.
    public static var serviceName: String { String(cString: loom__v1__loom__descriptor.name) }

    /// The method names in declaration order, e.g. `["Announce", "ListMigrations", ...]`.
    public static var methodNames: [String] {
        let d = loom__v1__loom__descriptor
        return (0..<Int(d.n_methods)).map { String(cString: d.methods[$0].name) }
    }
}
