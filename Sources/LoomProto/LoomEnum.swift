/// A Loom protobuf enum: a Swift enum whose cases are the values the proto declares,
/// plus `unrecognized(Int32)` for numbers it does not (proto3 enums are open), so that an
/// unknown value survives decoding and re-encoding.
public protocol LoomEnum: RawRepresentable, CaseIterable, Sendable, Hashable
where RawValue == Int32, AllCases == [Self] {
    /// The fully qualified protobuf name, e.g. `loom.v1.RunStatus`.
    static var protoName: String { get }

    /// The value name the proto declares for this number (e.g. `RUN_STATUS_RUNNING`),
    /// or nil for an unrecognized number.
    var protoValueName: String? { get }
}
