import Foundation
import LoomProto
import Testing

/// `LoomMethod` and `LoomServiceDescriptor` against the proto's `service Loom` and the
/// protobuf-c service descriptor.
@Suite("Service descriptor")
struct ServiceDescriptorTests {
    /// (name, request, response, streaming) of every `rpc` line of the proto, in order.
    static let declaredMethods: [(name: String, request: String, response: String, streaming: Bool)] = {
        let pattern = #/rpc\s+(\w+)\((\w+)\)\s+returns\s+\((stream\s+)?(\w+)\)/#
        return ContractTests.protoSource.matches(of: pattern).map {
            (String($0.1), "loom.v1.\($0.2)", "loom.v1.\($0.4)", $0.3 != nil)
        }
    }()

    @Test("the protobuf-c descriptor lists the proto's methods with their message names")
    func descriptorMatchesProto() {
        #expect(LoomServiceDescriptor.serviceName == "loom.v1.Loom")
        #expect(Self.declaredMethods.count >= 17)
        let methods = LoomServiceDescriptor.methods
        #expect(methods.map(\.name) == Self.declaredMethods.map(\.name))
        #expect(methods.map(\.inputName) == Self.declaredMethods.map(\.request))
        #expect(methods.map(\.outputName) == Self.declaredMethods.map(\.response))
        #expect(methods.map(\.index) == Array(methods.indices))
        #expect(LoomServiceDescriptor.methodNames.first == "Announce")
        #expect(LoomServiceDescriptor.method(named: "WatchRun")?.path == "/loom.v1.Loom/WatchRun")
        #expect(LoomServiceDescriptor.method(named: "WatchMigration")?.path == "/loom.v1.Loom/WatchMigration")
        #expect(Self.declaredMethods.filter(\.streaming).map(\.name) == ["WatchRun", "WatchMigration", "WatchCampaign"])
        #expect(LoomServiceDescriptor.method(named: "Nope") == nil)
    }

    @Test("LoomMethod matches the descriptor: names, order, Swift types, streaming")
    func loomMethodMatchesDescriptor() {
        #expect(LoomMethod.allCases.map(\.name) == LoomServiceDescriptor.methodNames)
        for (method, declared) in zip(LoomMethod.allCases, Self.declaredMethods) {
            #expect(method.descriptor.name == method.name)
            #expect(method.requestType.protoName == declared.request, "\(method)")
            #expect(method.responseType.protoName == declared.response, "\(method)")
            #expect(method.isServerStreaming == declared.streaming, "\(method)")
            #expect(LoomMethod(path: method.path) == method)
        }
        #expect(LoomMethod(path: "/loom.v1.Other/Announce") == nil)
        #expect(LoomMethod(path: "/loom.v1.Loom/announce") == nil)
        #expect(LoomMethod.allCases.filter(\.isServerStreaming) == [.watchRun, .watchMigration, .watchCampaign])
    }

    @Test("typed method signatures carry the method's request and response types")
    func signatures() {
        func check<Request, Response>(_ signature: LoomMethodSignature<Request, Response>) {
            #expect(Request.protoName == signature.method.requestType.protoName)
            #expect(Response.protoName == signature.method.responseType.protoName)
        }
        check(.announce)
        check(.listMigrations)
        check(.getMigration)
        check(.submitCandidates)
        check(.listCandidates)
        check(.startRun)
        check(.cancelRun)
        check(.retryStep)
        check(.getRun)
        check(.getRunHistory)
        check(.dryRun)
        check(.reportStepEvent)
        check(.watchRun)
        check(.listRuns)
        check(.recountMigration)
        check(.updateCandidateInputs)
        check(.watchMigration)
        #expect(LoomMethodSignature<WatchRunRequest, RunUpdate>.watchRun.method.isServerStreaming)
        #expect(LoomMethodSignature<WatchMigrationRequest, MigrationUpdate>.watchMigration.method.isServerStreaming)
        #expect(!LoomMethodSignature<UpdateCandidateInputsRequest, Candidate>.updateCandidateInputs.method.isServerStreaming)
    }
}
