import LoomCore
import Synchronization

/// Runs this process decoded from Redis, by id, so a listing that returns the same run at the
/// same version again does not decode its record again (decoding is most of a listing page's
/// cost; a console re-reads the same pages). A record never changes without its version
/// changing, so an entry is valid exactly while its version matches. Bounded: past
/// ``capacity`` a quarter of the entries is dropped.
final class DecodedRunCache: Sendable {
    /// The most runs kept (about 2–3 KB each).
    let capacity: Int
    private let runs: Mutex<[RunID: Run]>

    init(capacity: Int = 4096) {
        self.capacity = max(1, capacity)
        self.runs = Mutex([:])
    }

    /// The run decoded before at `version`, if any.
    func run(_ id: RunID, version: UInt64) -> Run? {
        runs.withLock { cache in
            guard let run = cache[id], run.version == version else { return nil }
            return run
        }
    }

    /// Keeps `run` (replacing an older version).
    func remember(_ run: Run) {
        runs.withLock { cache in
            if cache.count >= capacity, cache[run.id] == nil {
                for key in cache.keys.prefix(max(1, capacity / 4)) { cache[key] = nil }
            }
            cache[run.id] = run
        }
    }
}
