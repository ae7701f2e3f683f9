import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A private `redis-server` for integration tests: its own temp directory, a unix
/// socket and a free loopback TCP port, no persistence (`--save '' --appendonly no`)
/// unless ``Options/persistence`` asks for it.
///
/// `redis-server` cannot listen on port 0 and report the port it got, so its TCP (and TLS) port
/// is one found free just before; when another process takes it first, the server fails with
/// "Address already in use" and ``start(_:)`` tries again on other ports. The unix socket
/// (``unixURL``) has no such race.
///
/// ```swift
/// let redis = try await RedisServerFixture.start()
/// defer { redis.stop() }
/// let configuration = try RedisConfiguration(url: redis.url)
/// ```
/// ``kill()`` and ``restart()`` are for fault tests; the server keeps its port, socket and
/// directory across restarts (a test that restarts should connect through ``unixURL``: while
/// the server is down, another process may take its TCP port). The process is killed and the
/// directory removed by ``stop()`` (and by `deinit` as a safety net). Servers still running when
/// the test process exits (a fixture held by a value that is never released) are killed by an
/// `atexit` hook.
public final class RedisServerFixture: @unchecked Sendable {
    /// How to start the server.
    public struct Options: Sendable {
        /// `requirepass` for the default user, if any.
        public var password: String?
        /// Turn on AOF (`appendonly yes`, `appendfsync everysec`) instead of no persistence.
        public var persistence: Bool
        /// Further `redis-server` arguments, e.g. `["--maxmemory-policy", "allkeys-lru"]`.
        public var extraArguments: [String]
        /// A TLS listener too (on ``RedisServerFixture/tlsPort``), with these files.
        public var tls: TLS?

        /// The files of a TLS listener.
        public struct TLS: Sendable {
            /// Server certificate chain, key, and the CA bundle for client certificates.
            public var certificatePath: String, keyPath: String, caPath: String
            /// Whether clients must present a certificate (`--tls-auth-clients`).
            public var requireClientCertificates: Bool

            /// Creates TLS options.
            public init(certificatePath: String, keyPath: String, caPath: String, requireClientCertificates: Bool = false) {
                self.certificatePath = certificatePath
                self.keyPath = keyPath
                self.caPath = caPath
                self.requireClientCertificates = requireClientCertificates
            }
        }

        /// Creates options.
        public init(password: String? = nil, persistence: Bool = false, extraArguments: [String] = [], tls: TLS? = nil) {
            self.password = password
            self.persistence = persistence
            self.extraArguments = extraArguments
            self.tls = tls
        }
    }

    /// Raised when the server cannot be started.
    public struct StartError: Error, CustomStringConvertible {
        /// Why, with the end of the server's log.
        public var description: String
    }

    /// The TCP port on 127.0.0.1.
    public let port: Int
    /// The TLS port on 127.0.0.1, when ``Options/tls`` asked for one.
    public let tlsPort: Int?
    /// The unix socket path.
    public let socketPath: String
    /// The private directory (socket, log, data).
    public let directory: URL
    /// The options the server runs with.
    public let options: Options

    private let lock = NSLock()
    private var process: Process?

    /// `redis://127.0.0.1:<port>/0` (with `:password@` when a password is set).
    public var url: String {
        let auth = options.password.map { ":\($0)@" } ?? ""
        return "redis://\(auth)127.0.0.1:\(port)/0"
    }

    /// `unix://<socket path>`.
    public var unixURL: String { "unix://\(socketPath)" }

    private init(port: Int, tlsPort: Int?, directory: URL, options: Options) {
        self.port = port
        self.tlsPort = tlsPort
        self.directory = directory
        self.socketPath = directory.appendingPathComponent("redis.sock").path
        self.options = options
    }

    deinit {
        if let process, process.isRunning {
            Self.signal(process, SIGKILL)
            Self.track(process.processIdentifier, running: false)
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts a server and waits (bounded, 20 s) until it accepts connections.
    public static func start(_ options: Options = Options()) async throws -> RedisServerFixture {
        // A port found free can be taken before the server binds it: the server then fails with
        // "Address already in use", and the start is retried on other ports (bounded).
        for attempt in 1...5 {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loom-redis-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let fixture = RedisServerFixture(
                port: try freePort(), tlsPort: options.tls == nil ? nil : try freePort(), directory: directory, options: options)
            do {
                try await fixture.launch()
                return fixture
            } catch let error as StartError where attempt < 5 && error.description.contains("Address already in use") {
                fixture.stop()
                continue
            }
        }
        throw StartError(description: "redis-server could not bind a free port")
    }

    /// Kills the server with SIGKILL (no shutdown, no save) and waits for it to exit.
    public func kill() {
        guard let process = lock.withLock({ self.process }) else { return }
        Self.signal(process, SIGKILL)
        process.waitUntilExit()
        Self.track(process.processIdentifier, running: false)
        try? FileManager.default.removeItem(atPath: socketPath)
    }

    /// Starts the server again on the same port, socket and directory. Fails if another process
    /// took the TCP port meanwhile: tests that restart connect through ``unixURL``.
    public func restart() async throws {
        if lock.withLock({ self.process?.isRunning ?? false }) { kill() }
        try await launch()
    }

    /// Kills the server and removes its directory.
    public func stop() {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The server's log so far (for failure messages).
    public func log() -> String {
        (try? String(contentsOf: directory.appendingPathComponent("redis.log"), encoding: .utf8)) ?? ""
    }

    private func launch() async throws {
        var arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--unixsocket", socketPath, "--unixsocketperm", "700",
            "--dir", directory.path, "--logfile", directory.appendingPathComponent("redis.log").path,
            "--daemonize", "no", "--save", "", "--enable-debug-command", "local",
        ]
        arguments += options.persistence ? ["--appendonly", "yes", "--appendfsync", "everysec"] : ["--appendonly", "no"]
        if let password = options.password { arguments += ["--requirepass", password] }
        if let tls = options.tls, let tlsPort {
            arguments += [
                "--tls-port", String(tlsPort), "--tls-cert-file", tls.certificatePath, "--tls-key-file", tls.keyPath,
                "--tls-ca-cert-file", tls.caPath, "--tls-auth-clients", tls.requireClientCertificates ? "yes" : "no",
            ]
        }
        arguments += options.extraArguments
        let process = Process()
        process.executableURL = try Self.redisServerExecutable()
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Self.track(process.processIdentifier, running: true)
        lock.withLock { self.process = process }

        // Ready when the socket accepts a connection. Polling is unavoidable here: the server
        // gives no other signal. The deadline is generous; a healthy server takes milliseconds.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            guard process.isRunning else {
                throw StartError(description: "redis-server exited with \(process.terminationStatus): \(log().suffix(2000))")
            }
            if Self.canConnect(unixPath: socketPath) { return }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        Self.signal(process, SIGKILL)
        throw StartError(description: "redis-server did not accept connections within 20 s: \(log().suffix(2000))")
    }

    private static func redisServerExecutable() throws -> URL {
        for path in ["/usr/bin/redis-server", "/usr/local/bin/redis-server", "/opt/homebrew/bin/redis-server"]
        where FileManager.default.isExecutableFile(atPath: path) {
            return URL(fileURLWithPath: path)
        }
        throw StartError(description: "redis-server not found; Tools/test installs it")
    }

    /// Every server this process started and has not seen stopped, for the exit hook.
    private static let running = NSLock()
    nonisolated(unsafe) private static var runningPIDs: Set<Int32> = []
    private static let exitHookInstalled: Void = {
        atexit {
            RedisServerFixture.running.lock()
            let pids = RedisServerFixture.runningPIDs
            RedisServerFixture.running.unlock()
            for pid in pids { _ = Foundation.kill(pid, SIGKILL) }
        }
    }()

    private static func track(_ pid: Int32, running isRunning: Bool) {
        _ = exitHookInstalled
        running.lock()
        if isRunning { runningPIDs.insert(pid) } else { runningPIDs.remove(pid) }
        running.unlock()
    }

    private static func signal(_ process: Process, _ signal: Int32) {
        let pid = process.processIdentifier
        if pid > 0 { _ = Foundation.kill(pid, signal) }
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released), for
    /// `redis-server`, which cannot take port 0.
    ///
    /// Racy by nature — another process may take it before the server binds it — so ``start(_:)``
    /// retries when that happens. Nothing else uses it: servers of our own listen on port 0 and
    /// report the port they got (`RPCServer.localAddress`, `CallbackShim.localPort`, the
    /// `listening` log lines), and a test that needs a port nobody listens on holds a
    /// ``ReservedPort``.
    private static func freePort() throws -> Int {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw StartError(description: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw StartError(description: "cannot bind a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func canConnect(unixPath: String) -> Bool {
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(unixPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() { raw[index] = byte }
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
    }
}

/// A loopback TCP port held by this process — bound, never listening — until ``close()`` (or
/// deinit): no other process can take it, and a connection to it is refused. The race-free
/// "port where nothing listens".
public final class ReservedPort: @unchecked Sendable {
    /// The port on 127.0.0.1.
    public let port: Int
    private let lock = NSLock()
    private var descriptor: Int32

    /// Binds a port the kernel picks.
    public init() throws {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw RedisServerFixture.StartError(description: "socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            closeSocket(fd)
            throw RedisServerFixture.StartError(description: "cannot bind a port")
        }
        self.descriptor = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Releases the port.
    public func close() {
        let fd = lock.withLock { () -> Int32 in
            defer { descriptor = -1 }
            return descriptor
        }
        if fd >= 0 { closeSocket(fd) }
    }

    deinit { close() }
}

private func closeSocket(_ fd: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(fd)
    #else
    _ = Darwin.close(fd)
    #endif
}
