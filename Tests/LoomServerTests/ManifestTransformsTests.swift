import LoomExampleMigrator
import Testing

@Suite("Example migrator: manifest transforms")
struct ManifestTransformsTests {
    static let deployment = "apiVersion: apps/v1beta1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 2\n"

    @Test("replace-api-version rewrites only the top-level apiVersion")
    func replace() throws {
        let out = try ManifestTransforms.apply(
            type: "replace-api-version", config: ["from": "apps/v1beta1", "to": "apps/v1"], metadata: [:],
            to: ["deploy/a.yaml": Self.deployment, "deploy/svc.yaml": "apiVersion: v1\nkind: Service\n"])
        #expect(out == ["deploy/a.yaml": Self.deployment.replacingOccurrences(of: "apps/v1beta1", with: "apps/v1")])
    }

    @Test("add-label creates labels, replaces an existing value, and needs its input")
    func addLabel() throws {
        let out = try ManifestTransforms.apply(
            type: "add-label", config: ["label": "loom.dev/owner", "valueFrom": "team"], metadata: ["team": "payments"],
            to: ["a.yaml": Self.deployment])
        #expect(out["a.yaml"] == "apiVersion: apps/v1beta1\nkind: Deployment\nmetadata:\n  labels:\n    loom.dev/owner: payments\n  name: api\nspec:\n  replicas: 2\n")
        let again = try ManifestTransforms.apply(
            type: "add-label", config: ["label": "loom.dev/owner", "valueFrom": "team"], metadata: ["team": "search"],
            to: ["a.yaml": out["a.yaml"]!])
        #expect(again["a.yaml"]?.contains("    loom.dev/owner: search\n") == true)
        #expect(again["a.yaml"]?.contains("payments") == false)
        #expect(throws: TransformError.self) {
            _ = try ManifestTransforms.apply(type: "add-label", config: [:], metadata: [:], to: ["a.yaml": Self.deployment])
        }
    }

    @Test("a file that is not a manifest fails the step with its path")
    func invalid() {
        #expect {
            _ = try ManifestTransforms.apply(type: "replace-api-version", config: [:], metadata: [:], to: ["x.yaml": "replicas: [3\n"])
        } throws: { error in
            (error as? TransformError)?.path == "x.yaml"
        }
    }
}
