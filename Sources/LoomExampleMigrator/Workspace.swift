import Foundation

/// A candidate this migrator discovered: one git repository with Kubernetes manifests.
public struct DiscoveredRepository: Sendable, Equatable {
    /// The candidate id: the repository's directory name.
    public var id: String
    /// The repository's working tree.
    public var directory: URL
    /// Manifest paths relative to the repository root, sorted.
    public var manifests: [String]
}

/// A folder of git repositories, each of which may be a candidate.
///
/// A repository is a candidate when it has a `deploy/` directory with `.yaml` or `.yml`
/// files. Directory names that are not valid Loom ids are skipped with a reason.
public struct Workspace: Sendable {
    /// The folder that holds the repositories.
    public var root: URL
    /// The folder of manifests inside each repository.
    public static let manifestFolder = "deploy"
    /// Repositories with more manifests than this are not offered as candidates.
    public static let maximumManifests = 200

    /// Creates a workspace rooted at `root`.
    public init(root: URL) {
        self.root = root
    }

    /// Finds the candidate repositories, sorted by id; `skipped` lists what was passed over and why.
    public func discover() throws -> (repositories: [DiscoveredRepository], skipped: [String]) {
        var repositories: [DiscoveredRepository] = []
        var skipped: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() {
            switch inspect(name) {
            case .none: continue
            case .some(.success(let repository)): repositories.append(repository)
            case .some(.failure(let reason)): skipped.append("\(name): \(reason.text)")
            }
        }
        return (repositories, skipped)
    }

    /// The repository of a candidate id, if it is one of this workspace's candidates
    /// (only that repository is read).
    public func repository(id: String) throws -> DiscoveredRepository? {
        guard Self.isValidName(id), case .success(let repository)? = inspect(id) else { return nil }
        return repository
    }

    /// Whether `name` can be a candidate id and is safe as a directory name: 1-128 characters of
    /// `[A-Za-z0-9._-]` without `__` (Loom's identifier rule; no `/`, so no path leaves the workspace).
    static func isValidName(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard !utf8.isEmpty, utf8.count <= 128, name != ".", name != "..", !name.contains("__") else { return false }
        return utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"):
                true
            default:
                false
            }
        }
    }

    /// Why a git repository is not a candidate.
    struct NotACandidate: Error {
        var text: String
    }

    /// `nil` when `name` is not a git repository; else the candidate, or why it is not one.
    private func inspect(_ name: String) -> Result<DiscoveredRepository, NotACandidate>? {
        let fm = FileManager.default
        let directory = root.appendingPathComponent(name, isDirectory: true)
        guard fm.fileExists(atPath: directory.appendingPathComponent(".git").path) else { return nil }
        guard Self.isValidName(name) else { return .failure(NotACandidate(text: "not a valid candidate id")) }
        let deploy = directory.appendingPathComponent(Self.manifestFolder, isDirectory: true)
        let files = ((try? fm.contentsOfDirectory(atPath: deploy.path)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            .sorted()
            .map { "\(Self.manifestFolder)/\($0)" }
        if files.isEmpty { return .failure(NotACandidate(text: "no manifests under \(Self.manifestFolder)/")) }
        if files.count > Self.maximumManifests {
            return .failure(NotACandidate(text: "more than \(Self.maximumManifests) manifests"))
        }
        return .success(DiscoveredRepository(id: name, directory: directory, manifests: files))
    }
}
