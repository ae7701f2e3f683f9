import Logging
import LoomCore
import LoomMigratorKit
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Prometheus

@testable import LoomHTTP

/// The harness of the `shim-http` fuzz target: a client's bytes into the REST shim's connection pipeline on an
/// `EmbeddedChannel`, answered by the real ``CallbackShimRouter`` over a backend that does nothing.
///
/// The pipeline is the server's (``CallbackShim/addHTTPHandlers(to:configuration:probeOnly:connectionHandler:)``):
/// ``ConnectionDeadlineHandler``, NIO's HTTP/1.1 server pipeline with pipelining assistance and the decoder limits,
/// then ``ShimConnectionHandler``. Its one difference: the handler gets its responses from the router at once, on the
/// channel's thread (``ShimConnectionHandler/Responder/immediate(_:)``), instead of from a task with a time limit,
/// because an `EmbeddedChannel` may not be touched from another thread. The limits are small, so that inputs of a
/// few hundred bytes exceed them.
///
/// Input: the first byte picks the size of the reads the bytes arrive in (1…256); the rest is the stream. After
/// it, time jumps a minute (the read and idle deadlines fire) and the connection closes. Checked: nothing traps,
/// including the state machine's preconditions on the order of request parts.
///
/// This file is also compiled into the fuzzer (`Fuzz/Sources/FuzzShimHTTP` links it): no test-only code here.
enum ShimHTTPFuzzer {
    static let maxBodySize = 1024
    static let maxHeaderSize = 1024
    static let peerAddress = try! SocketAddress(ipAddress: "127.0.0.1", port: 9)
    static let configuration = CallbackShimConfiguration.defaults {
        $0.maxBodySize = maxBodySize
        $0.maxHeaderSize = maxHeaderSize
        $0.idleTimeout = .seconds(60)
        $0.requestReadTimeout = .seconds(10)
    }
    static let router = CallbackShimRouter(
        backend: FuzzShimBackend(),
        authMode: .token,
        readiness: { true },
        registry: PrometheusCollectorRegistry(),
        logger: Logger(label: "loom.fuzz", factory: { _ in SwiftLogNoOpLogHandler() })
    )

    static func run(_ input: UnsafeRawBufferPointer) {
        guard let first = input.first else { return }
        let readSize = Int(first) + 1
        var stream = ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: input.dropFirst()))

        let channel = EmbeddedChannel()
        let loop = channel.embeddedEventLoop
        try! CallbackShim.addHTTPHandlers(
            to: channel.pipeline.syncOperations,
            configuration: configuration,
            probeOnly: false,
            connectionHandler: ShimConnectionHandler(responder: .immediate(respondInline), maxBodySize: maxBodySize, peerIdentity: { nil })
        )
        try! channel.connect(to: peerAddress).wait()

        while channel.isActive, let chunk = stream.readSlice(length: min(readSize, stream.readableBytes)),
            chunk.readableBytes > 0
        {
            _ = try? channel.writeInbound(chunk)
            loop.run()
        }
        loop.advanceTime(by: .seconds(60))
        _ = try? channel.finish(acceptAlreadyClosed: true)
        loop.run()
    }

    /// Runs the router to completion on this thread; the fuzz backend never suspends, so neither does the router.
    static func respondInline(_ request: ShimRequest) -> ShimResponse {
        let result = NIOLockedValueBox<ShimResponse?>(nil)
        guard #available(macOS 26.0, *) else { preconditionFailure("needs Task.immediate (Swift 6.2)") }
        Task.immediate {
            let response = await router.respond(to: request)
            result.withLockedValue { $0 = response }
        }
        guard let response = result.withLockedValue({ $0 }) else {
            preconditionFailure("the router suspended: the fuzz harness needs a backend that answers at once")
        }
        return response
    }
}

/// Accepts everything at once; refuses candidates without an id and events for callbacks named `missing…`, so the
/// router's partial-success and error paths run too.
struct FuzzShimBackend: CallbackShimBackend {
    func announce(_ announcement: ReferenceJSON.MigrationAnnouncement, caller: ShimCaller) async throws -> [ReferenceJSON.RejectedCandidate] {
        Self.rejected(announcement.candidates ?? [])
    }

    func submitCandidates(
        _ candidates: [ReferenceJSON.Candidate], migrationId: String, caller: ShimCaller
    ) async throws -> [ReferenceJSON.RejectedCandidate] {
        Self.rejected(candidates)
    }

    func recordEvent(_ event: ReferenceJSON.StepCompletedEvent, callbackId: String, caller: ShimCaller) async throws -> ShimEventOutcome {
        if callbackId.hasPrefix("missing") { throw LoomError.notFound("no run for callback \(callbackId)") }
        return callbackId.hasPrefix("repeat") ? .alreadyApplied : .applied
    }

    private static func rejected(_ candidates: [ReferenceJSON.Candidate]) -> [ReferenceJSON.RejectedCandidate] {
        candidates.filter(\.id.isEmpty).map { _ in ReferenceJSON.RejectedCandidate(id: "", reason: "id: must not be empty") }
    }
}
