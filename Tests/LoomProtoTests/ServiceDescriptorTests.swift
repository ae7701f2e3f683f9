import LoomProto
import Testing

@Suite("Service descriptor")
struct ServiceDescriptorTests {
    @Test("method names come from the generated protobuf-c descriptor")
    func methodNames() {
        #expect(LoomServiceDescriptor.serviceName == "loom.v1.Loom")
        #expect(LoomServiceDescriptor.methodNames.first == "Announce")
        #expect(LoomServiceDescriptor.methodNames.contains("WatchRun"))
        #expect(LoomServiceDescriptor.methodNames.count == 13)
    }
}
