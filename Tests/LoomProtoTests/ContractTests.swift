import CLoomProto
import Foundation
@testable import LoomProto
import Testing

/// The Swift types against the contract: `Protos/loom/v1/loom.proto` and the protobuf-c
/// descriptors generated from it. A message, field or enum value added to the proto
/// without its Swift counterpart fails here.
@Suite("Swift types match loom.proto")
struct ContractTests {
    static let protoSource: String = {
        let path = repositoryRoot.appendingPathComponent("Protos/loom/v1/loom.proto").path
        return (try? readFile(path)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }()

    /// Top-level names declared with `keyword` (`message` or `enum`) in the proto.
    static func declared(_ keyword: String) -> [String] {
        protoSource.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            guard words.count >= 2, words[0] == keyword else { return nil }
            return "loom.v1.\(words[1])"
        }
    }

    @Test("every message of the proto has exactly one Swift type")
    func everyMessageHasASwiftType() {
        let declared = Self.declared("message")
        #expect(declared.count > 30, "the proto was not read from \(repositoryRoot.path)")
        #expect(Samples.all.map { type(of: $0).protoName } == declared)
    }

    @Test("protoName is the name in the protobuf-c descriptor", arguments: Samples.all.indices)
    func protoNameMatchesDescriptor(index: Int) {
        let type = type(of: Samples.all[index])
        #expect(type.protoName == String(cString: descriptor(of: type).name))
    }

    @Test("Swift properties are the proto fields, in field-number order", arguments: Samples.all.indices)
    func fieldsMatchDescriptor(index: Int) {
        let sample = Samples.all[index]
        let descriptor = descriptor(of: type(of: sample))
        let protoFields = (0..<Int(descriptor.n_fields)).map { String(cString: descriptor.fields[$0].name) }
        let swiftFields = storedFields(of: sample).map(\.label)
        #expect(swiftFields.map(normalizedFieldName) == protoFields.map(normalizedFieldName))
        #expect(swiftFields.map(snakeCase) == protoFields)
    }

    @Test("samples set every field, so interop tests cover every field", arguments: Samples.all.indices)
    func samplesAreFullyPopulated(index: Int) {
        let defaults = storedFields(of: Samples.all[index]).filter { FieldValue($0.value).isDefault }.map(\.label)
        #expect(defaults.isEmpty, "\(type(of: Samples.all[index])) sample leaves \(defaults) unset")
    }

    @Test("every enum of the proto has a Swift enum with the same values")
    func enumsMatchDescriptors() {
        let enums: [(any LoomEnum.Type, ProtobufCEnumDescriptor)] = [
            (CandidateStatus.self, loom__v1__candidate_status__descriptor),
            (StepStatus.self, loom__v1__step_status__descriptor),
            (RunStatus.self, loom__v1__run_status__descriptor),
            (HistoryKind.self, loom__v1__history_kind__descriptor),
            (FileDiffStatus.self, loom__v1__file_diff_status__descriptor),
            (CampaignState.self, loom__v1__campaign_state__descriptor),
            (CampaignMemberStatus.self, loom__v1__campaign_member_status__descriptor),
            (CampaignEventKind.self, loom__v1__campaign_event_kind__descriptor),
        ]
        #expect(enums.map { $0.0.protoName } == Self.declared("enum"))
        for (type, descriptor) in enums {
            #expect(type.protoName == String(cString: descriptor.name))
            let cValues = (0..<Int(descriptor.n_values)).map {
                (String(cString: descriptor.values[$0].name), descriptor.values[$0].value)
            }
            let swiftValues = Self.values(of: type)
            #expect(swiftValues.map(\.0) == cValues.map(\.0), "\(type)")
            #expect(swiftValues.map(\.1) == cValues.map(\.1), "\(type)")
        }
    }

    private static func values<E: LoomEnum>(of type: E.Type) -> [(String, Int32)] {
        E.allCases.map { ($0.protoValueName ?? "?", $0.rawValue) }
    }

    @Test("enums keep numbers the proto does not define")
    func unrecognizedEnumValues() {
        #expect(RunStatus(rawValue: 42) == .unrecognized(42))
        #expect(RunStatus(rawValue: 42).protoValueName == nil)
        #expect(RunStatus.unrecognized(1) == .running)
        #expect(Set([RunStatus.unrecognized(1), .running]).count == 1)
        #expect(StepStatus(rawValue: -7).rawValue == -7)
        #expect(HistoryKind.eventRejected.protoValueName == "HISTORY_KIND_EVENT_REJECTED")
    }

    private func descriptor(of type: any LoomMessage.Type) -> ProtobufCMessageDescriptor {
        func open<M: LoomMessage>(_ type: M.Type) -> ProtobufCMessageDescriptor { M._codec.descriptor }
        return open(type)
    }
}
