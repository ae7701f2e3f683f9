import CoreMetrics
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ConnectionAdmission {
    /// Installs accept back-off (NIO's `AcceptBackoffHandler`), accept-error reporting and admission on a listening
    /// channel; when the channel closes, the aggregated logs are flushed. Call it from
    /// `ServerBootstrap.serverChannelInitializer`:
    ///
    /// ```swift
    /// ServerBootstrap(group: group)
    ///     .serverChannelInitializer { admission.configureServerChannel($0) }
    /// ```
    public func configureServerChannel(_ channel: any Channel) -> EventLoopFuture<Void> {
        channel.closeFuture.whenComplete { [self] _ in flushLogs() }
        return channel.eventLoop.makeCompletedFuture {
            let backoff = limits.acceptBackoff
            try channel.pipeline.syncOperations.addHandlers(
                AcceptBackoffHandler(backoffProvider: { error in Self.isResourceShortage(error) ? backoff : nil }),
                AcceptErrorHandler(admission: self),
                AdmissionHandler(admission: self)
            )
        }
    }

    /// Whether `accept` failed because the process or the system ran out of something that frees up by itself
    /// (descriptors, buffers, memory): the listener then backs off.
    static func isResourceShortage(_ error: IOError) -> Bool {
        [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.errnoCode)
    }

    /// A stable name for an accept error's errno, for the `error` dimension.
    static func errnoName(_ code: CInt) -> String {
        switch code {
        case EMFILE: "EMFILE"
        case ENFILE: "ENFILE"
        case ENOBUFS: "ENOBUFS"
        case ENOMEM: "ENOMEM"
        case ECONNABORTED: "ECONNABORTED"
        case EPERM: "EPERM"
        default: "errno_\(code)"
        }
    }

    fileprivate func acceptFailed(_ error: IOError) {
        let name = Self.errnoName(error.errnoCode)
        let factory = limits.metricsFactory ?? MetricsSystem.factory
        Counter(label: "loom_accept_errors_total", dimensions: [("listener", listener), ("error", name)], factory: factory).increment()
        let pause = Self.isResourceShortage(error) ? "\(limits.acceptBackoff)" : "none"
        acceptErrors.record(reason: name, metadata: ["error": "\(error)", "backoff": "\(pause)"])
    }
}

/// Closes accepted connections the admission refuses, before their pipeline is built; passes the others on to
/// NIO's accept handler.
private final class AdmissionHandler: ChannelInboundHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let admission: ConnectionAdmission

    init(admission: ConnectionAdmission) {
        self.admission = admission
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = Self.unwrapInboundIn(data)
        if admission.admit(child) == nil {
            context.fireChannelRead(data)
        } else {
            child.close(promise: nil)
        }
    }
}

/// Counts and logs the errors of the listening socket (accept failures); the back-off itself is NIO's
/// `AcceptBackoffHandler`, in front of this handler.
private final class AcceptErrorHandler: ChannelInboundHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let admission: ConnectionAdmission

    init(admission: ConnectionAdmission) {
        self.admission = admission
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? IOError {
            admission.acceptFailed(error)
        } else {
            admission.logger.debug("listening socket error", metadata: ["error": "\(error)"])
        }
    }
}
