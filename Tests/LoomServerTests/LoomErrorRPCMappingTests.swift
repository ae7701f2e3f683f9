import LoomCore
import LoomRPC
@testable import LoomAPIService
import LoomTestSupport
import NIOCore
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

    private struct ConnectionRefused: Error, CustomStringConvertible {
        var description: String { "connect(127.0.0.1:6379): Connection refused (errno 111)" }
    }

    @Test("a call ending with UNAVAILABLE or INTERNAL is logged once with its cause; the caller gets the generic text")
    func unavailableAndInternalAreLoggedWithTheirCause() async throws {
        let logs = CapturedLogs()
        var router = RPCRouter()
        router.registerUnary("/t.T/Store") { _, _ in
            throw LoomError(code: .storeUnavailable, message: "store unavailable during GET loom:run", cause: ConnectionRefused())
        }
        router.registerUnary("/t.T/Internal") { _, _ in
            throw LoomError.internal("stored run m__c is not readable", cause: ConnectionRefused())
        }
        router.registerUnary("/t.T/NotFound") { _, _ in throw LoomError.migrationNotFound("m") }
        let server = try await RPCServer.bind(
            host: "127.0.0.1", port: 0, router: router,
            configuration: .defaults(transportSecurity: .insecure), logger: logs.logger(label: "loom.rpc")
        )
        let client = RPCClient(
            host: "127.0.0.1", port: server.localAddress?.port ?? 0,
            configuration: .defaults(transportSecurity: .insecure), logger: logs.logger(label: "loom.client")
        )
        func status(_ method: String) async -> RPCError? {
            do {
                _ = try await client.unary(method: method, request: ByteBuffer())
                return nil
            } catch {
                return error as? RPCError
            }
        }
        let unavailable = await status("/t.T/Store")
        let internalError = await status("/t.T/Internal")
        let notFound = await status("/t.T/NotFound")
        #expect(unavailable?.code == .unavailable && unavailable?.message == "the store is unavailable; retry later")
        #expect(internalError?.code == .internalError && internalError?.message == "internal error")
        #expect(notFound?.code == .notFound)
        // The status is written after the log record, so both records are there once the calls returned.
        let failures = logs.entries("call failed")
        #expect(failures.count == 2)
        let store = failures.first { $0.metadata["rpc.method"] == "/t.T/Store" }
        #expect(store?.level == .warning)
        #expect(store?.metadata["rpc.code"] == "\(RPCStatus.Code.unavailable)")
        #expect(store?.metadata["error"]?.contains("store unavailable during GET loom:run") == true)
        #expect(store?.metadata["error"]?.contains("Connection refused (errno 111)") == true)
        let stored = failures.first { $0.metadata["rpc.method"] == "/t.T/Internal" }
        #expect(stored?.level == .error)
        #expect(stored?.metadata["error"]?.contains("stored run m__c is not readable") == true)
        #expect(stored?.metadata["error"]?.contains("Connection refused") == true)
        await client.close()
        await server.close()
    }
}
