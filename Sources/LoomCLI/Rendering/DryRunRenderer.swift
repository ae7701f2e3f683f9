import LoomProto

/// The human-readable form of a dry run: per step, a heading and the unified diff of every file it would change.
public struct DryRunRenderer: Sendable {
    /// Colours, or none.
    public var palette: Palette

    /// Creates a renderer.
    public init(palette: Palette = .plain) {
        self.palette = palette
    }

    /// The `---`/`+++` names of a file diff: `a/REPO/PATH` and `b/REPO/PATH`, `/dev/null` for the missing side
    /// of a new or deleted file.
    public static func diffNames(_ file: FileDiff) -> (old: String, new: String) {
        let name = file.repo.isEmpty ? file.path : "\(file.repo)/\(file.path)"
        return (
            old: file.status == .new ? "/dev/null" : "a/\(name)",
            new: file.status == .deleted ? "/dev/null" : "b/\(name)"
        )
    }

    /// Every step of `result`.
    public func render(_ result: DryRunResult) -> [String] {
        guard !result.steps.isEmpty else { return ["The dry run reported no steps."] }
        var lines: [String] = []
        for (index, step) in result.steps.enumerated() {
            if index > 0 { lines.append("") }
            var heading = palette.bold("== Step \(index + 1): \(step.stepName)")
            if step.skipped {
                heading += " " + palette.dim("(skipped)")
            } else if !step.error.isEmpty {
                heading += " " + palette.red("(error)")
            } else {
                let count = step.files.count
                heading += " " + palette.dim("(\(count) file\(count == 1 ? "" : "s"))")
            }
            lines.append(heading)
            if !step.error.isEmpty { lines.append(palette.red("error: \(step.error)")) }
            for file in step.files {
                let names = Self.diffNames(file)
                let diff = UnifiedDiff.render(old: file.before, new: file.after, oldName: names.old, newName: names.new, palette: palette)
                if diff.isEmpty {
                    lines.append(palette.dim("\(names.new): \(file.status.cliName), no textual change"))
                } else {
                    lines += diff
                }
            }
        }
        return lines
    }
}
