/// Why a step could not transform a manifest. Reported to Loom as the step's failure reason.
public struct TransformError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file that could not be transformed.
    public var path: String
    /// What is wrong with it.
    public var reason: String

    public var description: String { "\(path): \(reason)" }
}

/// The file edits the example migration's steps perform, as pure functions of file contents.
///
/// Each step type maps the current contents of a candidate's manifests to their new contents;
/// a file whose content does not change is left out of the result. The same functions serve
/// real runs (committed on a branch) and dry runs (returned as diffs), so a dry run shows exactly
/// what a run would do.
public enum ManifestTransforms {
    /// Step types this migrator executes; any other type is skipped in dry runs and fails on dispatch.
    public static let supportedTypes: Set<String> = ["replace-api-version", "add-label", "manual-review"]

    /// Applies the step `type` with `config` to `files` (path → content).
    ///
    /// - Parameters:
    ///   - type: The step type (`replace-api-version` or `add-label`; `manual-review` changes nothing).
    ///   - config: The step's configuration.
    ///   - metadata: The run's candidate metadata (operator inputs merged in).
    ///   - files: The current contents, by path.
    /// - Returns: The changed files only, by path.
    /// - Throws: ``TransformError`` when a manifest is not one this migrator understands.
    public static func apply(
        type: String,
        config: [String: String],
        metadata: [String: String],
        to files: [String: String]
    ) throws(TransformError) -> [String: String] {
        var changed: [String: String] = [:]
        for path in files.keys.sorted() {
            let content = files[path]!  // iterating the dictionary's own keys
            try validate(content, path: path)
            let updated: String
            switch type {
            case "replace-api-version":
                let from = config["from"] ?? "apps/v1beta1", to = config["to"] ?? "apps/v1"
                updated = replaceAPIVersion(in: content, from: from, to: to)
            case "add-label":
                let key = config["label"] ?? "loom.dev/owner"
                let inputName = config["valueFrom"] ?? "team"
                guard let value = metadata[inputName], !value.isEmpty else {
                    throw TransformError(path: path, reason: "no value for label \(key): input \"\(inputName)\" is missing")
                }
                updated = addLabel(to: content, key: key, value: value)
            default:
                updated = content
            }
            if updated != content { changed[path] = updated }
        }
        return changed
    }

    /// Rejects files that are not Kubernetes-style manifests (a top-level `apiVersion:` and `kind:`).
    static func validate(_ content: String, path: String) throws(TransformError) {
        let lines = content.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.contains(where: { $0.hasPrefix("apiVersion:") }), lines.contains(where: { $0.hasPrefix("kind:") })
        else {
            throw TransformError(path: path, reason: "not a manifest (needs top-level apiVersion: and kind:)")
        }
        if content.contains("\t") {
            throw TransformError(path: path, reason: "tabs are not allowed in YAML indentation")
        }
    }

    /// Rewrites a top-level `apiVersion: from` line to `apiVersion: to`.
    static func replaceAPIVersion(in content: String, from: String, to: String) -> String {
        var lines = content.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for index in lines.indices where lines[index].trimmingTrailingSpaces() == "apiVersion: \(from)" {
            lines[index] = "apiVersion: \(to)"
        }
        return lines.joined(separator: "\n")
    }

    /// Adds `key: value` under the top-level `metadata.labels` map, creating `labels` when absent,
    /// and replacing the value when the label is already set.
    static func addLabel(to content: String, key: String, value: String) -> String {
        var lines = content.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let metadata = lines.firstIndex(where: { $0.trimmingTrailingSpaces() == "metadata:" }) else {
            return content
        }
        // The metadata block: following lines indented by at least one space.
        var end = metadata + 1
        while end < lines.count, lines[end].hasPrefix(" ") || lines[end].isEmpty { end += 1 }
        let entry = "    \(key): \(value)"
        if let labels = lines[(metadata + 1)..<end].firstIndex(where: { $0.trimmingTrailingSpaces() == "  labels:" }) {
            var position = labels + 1
            while position < end, lines[position].hasPrefix("    ") {
                if lines[position].hasPrefix("    \(key):") {
                    lines[position] = entry
                    return lines.joined(separator: "\n")
                }
                position += 1
            }
            lines.insert(entry, at: labels + 1)
        } else {
            lines.insert(contentsOf: ["  labels:", entry], at: metadata + 1)
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> Substring {
        var view = self[...]
        while view.last == " " { view = view.dropLast() }
        return view
    }
}
