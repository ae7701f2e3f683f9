import LoomAPI
import LoomProto
import NIOCore
import Testing

@testable import LoomRPC

/// The decode budgets of the server: a request whose decoded size does not fit while others hold theirs ends with
/// RESOURCE_EXHAUSTED before it is decoded, and the connection goes on; requests over a per-message bound end with
/// INVALID_ARGUMENT naming the field.
@Suite("RPC decode budgets and bounds")
struct RPCDecodeBudgetTests {
    static let method = "/test.v1.Test/Submit"

    /// A server whose `Submit` method decodes a `SubmitCandidatesRequest`, then waits for the gate (holding its
    /// decoded request) and answers with the number of candidates.
    struct BudgetServer {
        let server: RPCServer
        let started: EventCounter
        let gate: Gate

        static func start(configure: (inout RPCServer.Configuration) -> Void) async throws -> BudgetServer {
            let started = EventCounter()
            let gate = Gate()
            var router = RPCRouter()
            router.registerUnary(
                method,
                deserializer: LoomMessageCoder<SubmitCandidatesRequest>(),
                serializer: LoomMessageCoder<SubmitCandidatesResponse>()
            ) { request, _ in
                started.increment()
                await gate.wait()
                return SubmitCandidatesResponse(accepted: UInt32(request.candidates.count))
            }
            let server = try await RPCServer.bind(
                host: "127.0.0.1", port: 0, router: router,
                configuration: .defaults(transportSecurity: .insecure, configure: configure), logger: TestServer.quietLogger
            )
            return BudgetServer(server: server, started: started, gate: gate)
        }

        func client() -> RPCClient {
            RPCClient(
                host: "127.0.0.1", port: server.localAddress?.port ?? 0,
                configuration: .defaults(transportSecurity: .insecure), logger: TestServer.quietLogger
            )
        }
    }

    static func request(_ count: Int) -> SubmitCandidatesRequest {
        SubmitCandidatesRequest(migrationID: "m", candidates: (0..<count).map { Candidate(id: "org/app-\($0)", kind: "repo") })
    }

    static func decodedSize(_ request: SubmitCandidatesRequest) throws -> Int {
        try request.encoded().withUnsafeBytes { try SubmitCandidatesRequest.decodeCost(of: $0).decodedBytes }
    }

    /// Sends `request`; the number of candidates the server counted, or the error. The deadline only keeps a broken
    /// server from hanging the test (a refusal that does not come would otherwise leave the call at the gate).
    static func submit(_ client: RPCClient, _ request: SubmitCandidatesRequest) async -> Result<UInt32, RPCError> {
        do {
            let response = try await client.unary(
                method: method, request: ByteBuffer(bytes: request.encoded()), options: RPCCallOptions(timeout: .seconds(10))
            )
            return .success(try SubmitCandidatesResponse(decoding: Array(buffer: response)).accepted)
        } catch let error as RPCError {
            return .failure(error)
        } catch {
            return .failure(RPCError(code: .unknown, message: "\(error)"))
        }
    }

    @Test("per connection: a request that does not fit beside one in flight is RESOURCE_EXHAUSTED; the connection goes on")
    func connectionBudget() async throws {
        let held = Self.request(200)
        let next = Self.request(100)
        let limit = try Self.decodedSize(held) + Self.decodedSize(next)
        // One byte short of both: the second is refused. At the limit exactly: both fit.
        for (budget, fits) in [(limit - 1, false), (limit, true)] {
            let server = try await BudgetServer.start { $0.maxDecodedBytesInFlightPerConnection = budget }
            let client = server.client()
            let other = server.client()
            let first = Task { await Self.submit(client, held) }
            try await server.started.wait(for: 1)
            if fits {
                let second = Task { await Self.submit(client, next) }
                try await server.started.wait(for: 2)
                server.gate.open()
                #expect(try await second.value.get() == 100)
            } else {
                let second = await Self.submit(client, next)
                #expect(second.failure?.code == .resourceExhausted)
                #expect(second.failure?.message.contains("on this connection") == true)
                #expect(server.started.count == 1, "the refused request reached its handler")
                // Another connection has its own budget.
                let elsewhere = Task { await Self.submit(other, next) }
                try await server.started.wait(for: 2)
                server.gate.open()
                #expect(try await elsewhere.value.get() == 100)
            }
            #expect(try await first.value.get() == 200)
            // The reservations were returned: the same connection takes the refused request now.
            #expect(try await Self.submit(client, next).get() == 100)
            await client.close()
            await other.close()
            await server.server.close()
        }
    }

    @Test("per server: the budget is shared by every connection")
    func serverBudget() async throws {
        let held = Self.request(200)
        let next = Self.request(100)
        let server = try await BudgetServer.start {
            $0.maxDecodedBytesInFlight = try! Self.decodedSize(held) + Self.decodedSize(next) - 1
        }
        let first = server.client()
        let second = server.client()
        let holding = Task { await Self.submit(first, held) }
        try await server.started.wait(for: 1)
        let refused = await Self.submit(second, next)
        #expect(refused.failure?.code == .resourceExhausted)
        #expect(refused.failure?.message.contains("on this server") == true)
        server.gate.open()
        #expect(try await holding.value.get() == 200)
        #expect(try await Self.submit(second, next).get() == 100)
        await first.close()
        await second.close()
        await server.server.close()
    }

    @Test("a request larger than the whole budget is served when nothing else is in flight")
    func oneRequestAlwaysFits() async throws {
        let server = try await BudgetServer.start {
            $0.maxDecodedBytesInFlight = 1
            $0.maxDecodedBytesInFlightPerConnection = 1
        }
        server.gate.open()
        let client = server.client()
        #expect(try await Self.submit(client, Self.request(1000)).get() == 1000)
        #expect(try await Self.submit(client, Self.request(10)).get() == 10)
        await client.close()
        await server.server.close()
    }

    @Test("requests over a per-message bound are INVALID_ARGUMENT naming the field; the connection goes on")
    func perMessageBounds() async throws {
        let server = try await RPCServer.bind(
            host: "127.0.0.1", port: 0, router: RPCRouter(loomService: RecordingLoomService()),
            configuration: .defaults(transportSecurity: .insecure), logger: TestServer.quietLogger
        )
        let loom = LoomClient(
            host: "127.0.0.1", port: server.localAddress?.port ?? 0,
            configuration: .defaults(transportSecurity: .insecure), logger: TestServer.quietLogger
        )
        let tooMany = AnnounceRequest(migration: Migration(id: "m", candidates: (0..<10_001).map { Candidate(id: "c\($0)") }))
        let refused = await #expect(throws: RPCError.self) { _ = try await loom.announce(tooMany) }
        #expect(refused?.code == .invalidArgument)
        #expect(refused?.message == "the request is not a valid message for /loom.v1.Loom/Announce: loom.v1.AnnounceRequest "
            + "message: field loom.v1.Migration.candidates has more than 10000 elements")
        // Two million unknown fields in a GetRun (any viewer may call it): 4 MB, refused before anything is allocated.
        var unknowns = ByteBuffer(bytes: [0x0A, 0x01, 0x6D])
        for _ in 0..<2_000_000 { unknowns.writeBytes([0x18, 0x00]) }
        let flood = await #expect(throws: RPCError.self) {
            _ = try await loom.rpc.unary(method: LoomMethod.getRun.descriptor.path, request: unknowns)
        }
        #expect(flood?.code == .invalidArgument)
        #expect(flood?.message.contains("more than 1000 unknown fields (the last: loom.v1.GetRunRequest.3)") == true)
        let run = try await loom.getRun(GetRunRequest(migrationID: "m", candidateID: "c"))
        #expect(run.id == "m__c")
        await loom.close()
        await server.close()
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
