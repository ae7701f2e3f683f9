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
        let fm = FileManager.default
        var repositories: [DiscoveredRepository] = []
        var skipped: [String] = []
        for name in try fm.contentsOfDirectory(atPath: root.path).sorted() {
            let directory = root.appendingPathComponent(name, isDirectory: true)
            guard fm.fileExists(atPath: directory.appendingPathComponent(".git").path) else { continue }
            guard Identifier.isValid(name) else {
                skipped.append("\(name): not a valid candidate id")
                continue
            }
            let deploy = directory.appendingPathComponent(Self.manifestFolder, isDirectory: true)
            let files = ((try? fm.contentsOfDirectory(atPath: deploy.path)) ?? [])
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                .sorted()
                .map { "\(Self.manifestFolder)/\($0)" }
            if files.isEmpty {
                skipped.append("\(name): no manifests under \(Self.manifestFolder)/")
                continue
            }
            if files.count > Self.maximumManifests {
                skipped.append("\(name): more than \(Self.maximumManifests) manifests")
                continue
            }
            repositories.append(DiscoveredRepository(id: name, directory: directory, manifests: files))
        }
        return (repositories, skipped)
    }

    /// The repository of a candidate id, if it is one of this workspace's candidates.
    public func repository(id: String) throws -> DiscoveredRepository? {
        try discover().repositories.first { $0.id == id }
    }
}
