import Foundation
import LoomCore

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
        guard Identifier.isValid(id), case .success(let repository)? = inspect(id) else { return nil }
        return repository
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
        guard Identifier.isValid(name) else { return .failure(NotACandidate(text: "not a valid candidate id")) }
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
