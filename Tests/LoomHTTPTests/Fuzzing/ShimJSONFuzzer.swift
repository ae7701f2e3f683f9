import LoomHTTP
import LoomMigratorKit

/// The harness of the `shim-json` fuzz target: ``JSONCoding/decode(_:from:)`` of every reference JSON body Loom or
/// its migrators read.
///
/// Input: the first byte picks the body type (``bodyTypes``, modulo its count); the rest is the JSON. Checked, besides
/// "never traps": a failure is a ``JSONBodyError`` with a short message (it names a field, never echoes the input);
/// a body that decodes re-encodes to JSON that decodes to an equal body.
///
/// This file is also compiled into the fuzzer (`Fuzz/Sources/FuzzShimJSON` links it): no test-only code here.
enum ShimJSONFuzzer {
    /// The bodies the shim reads (announce, candidates, events), the migrator client reads (dry-run results, error
    /// bodies) and migrators read (dispatches, dry runs). Append new types at the end: the index is the seeds' first byte.
    static let bodyTypes: [any FuzzedJSONBody.Type] = [
        ReferenceJSON.MigrationAnnouncement.self,
        ReferenceJSON.SubmitCandidatesRequest.self,
        ReferenceJSON.StepCompletedEvent.self,
        ReferenceJSON.DryRunResult.self,
        ReferenceJSON.DispatchStepRequest.self,
        ReferenceJSON.DryRunRequest.self,
        ReferenceJSON.StatusResponse.self,
        ReferenceJSON.ErrorResponse.self,
    ]

    /// Longest error message: the JSON path in it is cut at 200 characters.
    static let maxMessageLength = 300

    static func run(_ input: UnsafeRawBufferPointer) {
        guard let first = input.first else { return }
        bodyTypes[Int(first) % bodyTypes.count].fuzzDecode(UnsafeRawBufferPointer(rebasing: input.dropFirst()))
    }

    /// The input byte that selects `type`.
    static func selector(of type: any FuzzedJSONBody.Type) -> UInt8? {
        bodyTypes.firstIndex { $0 == type }.map(UInt8.init)
    }
}

/// A reference JSON body type the harness decodes.
protocol FuzzedJSONBody: Codable, Hashable, Sendable {}

extension ReferenceJSON.MigrationAnnouncement: FuzzedJSONBody {}
extension ReferenceJSON.SubmitCandidatesRequest: FuzzedJSONBody {}
extension ReferenceJSON.StepCompletedEvent: FuzzedJSONBody {}
extension ReferenceJSON.DryRunResult: FuzzedJSONBody {}
extension ReferenceJSON.DispatchStepRequest: FuzzedJSONBody {}
extension ReferenceJSON.DryRunRequest: FuzzedJSONBody {}
extension ReferenceJSON.StatusResponse: FuzzedJSONBody {}
extension ReferenceJSON.ErrorResponse: FuzzedJSONBody {}

extension FuzzedJSONBody {
    /// The checks of ``ShimJSONFuzzer`` for this body type.
    fileprivate static func fuzzDecode(_ bytes: UnsafeRawBufferPointer) {
        let body: Self
        do {
            body = try JSONCoding.decode(Self.self, from: bytes)
        } catch {
            precondition(
                !error.message.isEmpty && error.message.count <= ShimJSONFuzzer.maxMessageLength, "unbounded message: \(error)"
            )
            return
        }
        let encoded = JSONCoding.encode(body)
        let again = Result { () throws(JSONBodyError) -> Self in try JSONCoding.decode(Self.self, from: encoded) }
        precondition((try? again.get()) == body, "\(Self.self) does not survive re-encoding: \(again)")
    }
}
