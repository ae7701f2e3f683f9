import Foundation
import LoomExampleMigrator
import Testing

@Suite("Example migrator: workspace discovery")
struct WorkspaceTests {
    @Test("repositories with deploy/*.yaml are candidates; others are skipped with a reason")
    func discovery() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("loom-ws-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        func repo(_ name: String, files: [String]) throws {
            let directory = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(
                at: directory.appendingPathComponent(".git"), withIntermediateDirectories: true)
            for file in files {
                let url = directory.appendingPathComponent(file)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try "apiVersion: v1\nkind: Service\n".write(to: url, atomically: true, encoding: .utf8)
            }
        }
        try repo("billing-api", files: ["deploy/b.yaml", "deploy/a.yml", "README.md"])
        try repo("docs", files: ["README.md"])
        try repo("bad__name", files: ["deploy/a.yaml"])
        try FileManager.default.createDirectory(at: root.appendingPathComponent("not-a-repo/deploy"), withIntermediateDirectories: true)

        let workspace = Workspace(root: root)
        let (repositories, skipped) = try workspace.discover()
        #expect(repositories.map(\.id) == ["billing-api"])
        #expect(repositories.first?.manifests == ["deploy/a.yml", "deploy/b.yaml"])
        #expect(skipped == ["bad__name: not a valid candidate id", "docs: no manifests under deploy/"])
        #expect(try workspace.repository(id: "billing-api")?.manifests == ["deploy/a.yml", "deploy/b.yaml"])
        #expect(try workspace.repository(id: "docs") == nil)
        #expect(try workspace.repository(id: "../billing-api") == nil)
    }
}
