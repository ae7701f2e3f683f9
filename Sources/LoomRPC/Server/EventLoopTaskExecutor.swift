import NIOCore

/// Runs Swift tasks on one NIO event loop, so a handler task and its connection share a thread (no hop to the
/// global concurrent executor and back for every call).
@available(macOS 15.0, *)
final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: the only stored property is an EventLoop, which is Sendable; the class is immutable.
    private let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
