import CLoomProto
import CProtobufC

/// One method of `service Loom`, as protobuf-c's generated service descriptor records it.
public struct LoomMethodDescriptor: Sendable, Hashable {
    /// The position of the method in the service declaration, from 0.
    public let index: Int
    /// The method name, e.g. `Announce`.
    public let name: String
    /// The fully qualified request message name, e.g. `loom.v1.AnnounceRequest`.
    public let inputName: String
    /// The fully qualified response message name, e.g. `loom.v1.AnnounceResponse`.
    public let outputName: String

    /// The method's wire name, `/loom.v1.Loom/<name>`.
    public var path: String { "/\(LoomServiceDescriptor.serviceName)/\(name)" }
}

/// `service Loom` as described by the protobuf-c descriptor `loom__v1__loom__descriptor`
/// (generated from `Protos/loom/v1/loom.proto`).
///
/// protobuf-c does not record whether a method streams; ``LoomMethod/isServerStreaming`` does.
public enum LoomServiceDescriptor {
    /// The fully qualified service name, `loom.v1.Loom`.
    public static let serviceName: String = String(cString: loom__v1__loom__descriptor.name)

    /// Every method in declaration order.
    public static let methods: [LoomMethodDescriptor] = {
        let service = loom__v1__loom__descriptor
        return (0..<Int(service.n_methods)).map { index in
            let method = service.methods[index]
            return LoomMethodDescriptor(
                index: index,
                name: String(cString: method.name),
                inputName: String(cString: method.input.pointee.name),
                outputName: String(cString: method.output.pointee.name)
            )
        }
    }()

    /// The method names in declaration order, e.g. `["Announce", "ListMigrations", ...]`.
    public static var methodNames: [String] { methods.map(\.name) }

    /// The method with this name (e.g. `Announce`), or nil.
    public static func method(named name: String) -> LoomMethodDescriptor? {
        methods.first { $0.name == name }
    }
}
