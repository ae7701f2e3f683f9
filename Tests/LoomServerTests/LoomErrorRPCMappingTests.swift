import LoomCore
import LoomRPC
@testable import LoomServer
import Testing

@Suite("Domain errors as RPC statuses")
struct LoomErrorRPCMappingTests {
    @Test(
        "each domain code maps to its gRPC status",
        arguments: [
            (LoomError.Code.invalidArgument, RPCStatus.Code.invalidArgument),
            (.notFound, .notFound),
            (.alreadyRunning, .alreadyExists),
            (.alreadyCompleted, .failedPrecondition),
            (.notRunning, .failedPrecondition),
            (.stepNotRetryable, .failedPrecondition),
            (.staleEvent, .failedPrecondition),
            (.failedPrecondition, .failedPrecondition),
            (.migratorBadResponse, .failedPrecondition),
            (.conflict, .aborted),
            (.unauthenticated, .unauthenticated),
            (.permissionDenied, .permissionDenied),
            (.migratorUnavailable, .unavailable),
            (.migratorTimeout, .deadlineExceeded),
            (.storeUnavailable, .unavailable),
            (.internal, .internalError),
        ])
    func mapping(domain: LoomError.Code, status: RPCStatus.Code) {
        #expect(LoomError(code: domain, message: "m").rpcError.code == status)
    }

    @Test("store and internal failures never send their text to the caller")
    func noLeaks() {
        let store = LoomError(code: .storeUnavailable, message: "store unavailable during GET: ERR secret at 10.0.0.7")
        #expect(!store.rpcError.message.contains("10.0.0.7"))
        let internalError = LoomError(code: .internal, message: "decoding record loom:run:{x}: bad byte")
        #expect(internalError.rpcError.message == "internal error")
        let notFound = LoomError(code: .notFound, message: "migration \"m\" not found")
        #expect(notFound.rpcError.message == "migration \"m\" not found")
    }
}
