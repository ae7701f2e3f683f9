/// Renders the difference of two texts in unified format (`diff -u`): `---`/`+++` headers, `@@ -a,b +c,d @@` hunks
/// with `context` unchanged lines around each change, and `\ No newline at end of file` markers.
public enum UnifiedDiff {
    /// The unified diff of `old` and `new`, one element per output line (without newlines); empty when the texts
    /// are equal.
    /// - Parameters:
    ///   - old: The text before.
    ///   - new: The text after.
    ///   - oldName: The name on the `---` line (e.g. `a/path` or `/dev/null`).
    ///   - newName: The name on the `+++` line.
    ///   - context: Unchanged lines shown around each change (3, like `diff -u`).
    ///   - palette: Colours for headers, hunk markers, removals and additions.
    public static func render(
        old: String,
        new: String,
        oldName: String,
        newName: String,
        context: Int = 3,
        palette: Palette = .plain
    ) -> [String] {
        let oldLines = LineDiff.lines(of: old)
        let newLines = LineDiff.lines(of: new)
        let script = LineDiff.edits(from: oldLines, to: newLines)
        let hunks = hunkRanges(of: script, context: max(0, context))
        guard !hunks.isEmpty else { return [] }
        var output = [palette.bold("--- \(oldName)"), palette.bold("+++ \(newName)")]
        for hunk in hunks {
            var oldBefore = 0
            var newBefore = 0
            for edit in script[..<hunk.lowerBound] {
                switch edit {
                case .keep:
                    oldBefore += 1
                    newBefore += 1
                case .delete: oldBefore += 1
                case .insert: newBefore += 1
                }
            }
            var oldCount = 0
            var newCount = 0
            var body: [String] = []
            for edit in script[hunk] {
                switch edit {
                case .keep(let index, _):
                    oldCount += 1
                    newCount += 1
                    append(" ", oldLines[index], to: &body) { $0 }
                case .delete(let index):
                    oldCount += 1
                    append("-", oldLines[index], to: &body) { palette.red($0) }
                case .insert(let index):
                    newCount += 1
                    append("+", newLines[index], to: &body) { palette.green($0) }
                }
            }
            let header = "@@ -\(range(before: oldBefore, count: oldCount)) +\(range(before: newBefore, count: newCount)) @@"
            output.append(palette.cyan(header))
            output += body
        }
        return output
    }

    /// The ranges of `script` indices shown as hunks: each change with `context` edits around it, merged when the
    /// unchanged gap between two changes is at most `2 × context`.
    static func hunkRanges(of script: [LineDiff.Edit], context: Int) -> [Range<Int>] {
        let changes = script.indices.filter {
            if case .keep = script[$0] { return false }
            return true
        }
        guard var groupStart = changes.first, var groupEnd = changes.first else { return [] }
        var ranges: [Range<Int>] = []
        for change in changes.dropFirst() {
            if change - groupEnd - 1 <= 2 * context {
                groupEnd = change
            } else {
                ranges.append(max(0, groupStart - context)..<min(script.count, groupEnd + 1 + context))
                groupStart = change
                groupEnd = change
            }
        }
        ranges.append(max(0, groupStart - context)..<min(script.count, groupEnd + 1 + context))
        return ranges
    }

    private static func range(before: Int, count: Int) -> String {
        let start = count == 0 ? before : before + 1
        return count == 1 ? "\(start)" : "\(start),\(count)"
    }

    private static func append(_ marker: String, _ line: LineDiff.Line, to body: inout [String], style: (String) -> String) {
        body.append(style(marker + line.text))
        if !line.hasNewline { body.append("\\ No newline at end of file") }
    }
}
