/// Who holds a timer lease: a replica (its stable id, the same across restarts) and the
/// incarnation of it (a random nonce drawn when the process starts).
///
/// The pair tells "a lease this replica held before it restarted" (same replica, earlier
/// incarnation: taken back at once) from "a lease of a live process" (another replica, or this
/// replica's current incarnation).
public struct LeaseHolder: Hashable, Sendable, CustomStringConvertible {
    /// The replica id: 1 to 253 characters of `A-Z a-z 0-9 . _ -` (a host name fits).
    public let replica: String
    /// The incarnation nonce: 16 lowercase hex digits.
    public let incarnation: String

    /// A holder for `replica` with a fresh, random incarnation.
    /// - Throws: ``LoomError/Code/invalidArgument`` naming the replica id when it is not valid.
    public init(replica: String) throws(LoomError) {
        var generator = SystemRandomNumberGenerator()
        try self.init(replica: replica, incarnation: Self.hex(UInt64.random(in: .min ... .max, using: &generator)))
    }

    /// A holder with a given incarnation (as read back from a store).
    /// - Throws: ``LoomError/Code/invalidArgument`` when either part is not valid.
    public init(replica: String, incarnation: String) throws(LoomError) {
        guard Self.isValidReplicaID(replica) else {
            throw LoomError.invalidArgument(
                "replica id \(Identifier.quoted(replica)) must be 1 to 253 characters of A-Z a-z 0-9 . _ -")
        }
        guard incarnation.utf8.count == 16, incarnation.utf8.allSatisfy({ Self.isHexDigit($0) }) else {
            throw LoomError.invalidArgument("incarnation \(Identifier.quoted(incarnation)) must be 16 hex digits")
        }
        self.replica = replica
        self.incarnation = incarnation
    }

    /// `replica/incarnation`, the form stores record (a replica id never contains `/`).
    public var description: String { "\(replica)/\(incarnation)" }

    /// Whether `text` is a valid replica id: 1 to 253 characters of `A-Z a-z 0-9 . _ -`.
    public static func isValidReplicaID(_ text: String) -> Bool {
        let bytes = text.utf8
        return (1...253).contains(bytes.count)
            && bytes.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    true
                default: false
                }
            }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// The registration of a replica's live incarnation, as a store holds it.
public struct ReplicaRegistration: Hashable, Sendable {
    /// The incarnation that registered.
    public var incarnation: String
    /// How many heartbeats it counted since registering: a live incarnation keeps counting.
    public var beats: UInt64

    /// Creates a registration.
    public init(incarnation: String, beats: UInt64) {
        self.incarnation = incarnation
        self.beats = beats
    }
}

/// Which incarnation of each replica is alive, so that a restarted replica may take back the
/// timer leases of its earlier incarnation at once — and so that two live processes never
/// share a replica id unnoticed.
///
/// A live incarnation renews its registration every heartbeat (counting a beat); a new
/// incarnation that finds a registration waits until it has stopped beating before replacing
/// it. One that keeps beating belongs to a live twin: the newcomer refuses to start, and a live
/// incarnation whose registration was replaced stops (``Orchestrator/run()`` throws
/// ``ReplicaConflict``).
public protocol ReplicaRegistry: Sendable {
    /// The registration of `replica`, or `nil` when none is live (never registered, removed, or
    /// expired).
    func replicaRegistration(_ replica: String, now: Timestamp) async throws -> ReplicaRegistration?

    /// Registers `holder` (with zero beats) for `ttl` if the current registration of its replica
    /// is `expected` (`nil`: none), in one atomic step. Returns whether it did.
    func registerReplica(_ holder: LeaseHolder, replacing expected: ReplicaRegistration?, now: Timestamp, ttl: Duration) async throws -> Bool

    /// One heartbeat: counts a beat and keeps the registration of `holder` for `ttl` more; when
    /// it lapsed (the store was unreachable for longer than `ttl`), registers `holder` again.
    /// Returns `false`, changing nothing, when another incarnation holds the replica id.
    func renewReplica(_ holder: LeaseHolder, now: Timestamp, ttl: Duration) async throws -> Bool

    /// Removes the registration if it is still `holder`'s (a graceful stop: the next start of
    /// the replica need not wait for the heartbeat to stop).
    func unregisterReplica(_ holder: LeaseHolder) async throws
}

/// Two live processes claim the same replica id: ``Orchestrator/run()`` throws it when the
/// replica id is registered by another incarnation that keeps beating (at start), or when its
/// own registration was replaced (while running).
public struct ReplicaConflict: Error, Sendable, Hashable, CustomStringConvertible {
    /// The contested replica id.
    public var replica: String
    /// The other incarnation.
    public var otherIncarnation: String
    /// Whether this process found it at start (`true`) or was replaced while running (`false`).
    public var atStart: Bool

    /// Creates the error.
    public init(replica: String, otherIncarnation: String, atStart: Bool) {
        self.replica = replica
        self.otherIncarnation = otherIncarnation
        self.atStart = atStart
    }

    public var description: String {
        atStart
            ? "replica id \(Identifier.quoted(replica)) is in use by another live process (incarnation \(otherIncarnation)); every replica needs its own id"
            : "replica id \(Identifier.quoted(replica)) was registered by another process (incarnation \(otherIncarnation)) while this one ran; every replica needs its own id"
    }
}
