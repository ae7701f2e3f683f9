/// A line-based diff (Myers' O((N+M)·D) algorithm) and its rendering as a unified diff.
///
/// Lines compare by their text *and* whether they end with a newline, so a missing final newline shows up as a
/// change and is marked `\ No newline at end of file`, as `diff -u` does.
public enum LineDiff {
    /// One line of a text: its content without the terminator, and whether a `\n` followed it.
    public struct Line: Hashable, Sendable {
        /// The content, without the newline.
        public var text: String
        /// Whether the line was terminated by `\n` (only the last line of a text can lack it).
        public var hasNewline: Bool

        /// Creates a line.
        public init(_ text: String, hasNewline: Bool = true) {
            self.text = text
            self.hasNewline = hasNewline
        }
    }

    /// One operation of an edit script.
    public enum Edit: Hashable, Sendable {
        /// The line is in both texts (index in the old text, index in the new text).
        case keep(Int, Int)
        /// The old text's line at the index is removed.
        case delete(Int)
        /// The new text's line at the index is inserted.
        case insert(Int)
    }

    /// Splits a text into lines; `""` has no lines, and a trailing `\n` does not start an empty last line.
    public static func lines(of text: String) -> [Line] {
        guard !text.isEmpty else { return [] }
        var parts = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let endsWithNewline = parts.last == ""
        if endsWithNewline { parts.removeLast() }
        return parts.enumerated().map { index, part in
            Line(part, hasNewline: index < parts.count - 1 || endsWithNewline)
        }
    }

    /// The shortest edit script turning `old` into `new`, in order (deletions before insertions at each point).
    public static func edits<Element: Equatable>(from old: [Element], to new: [Element]) -> [Edit] {
        // Common prefix and suffix are kept as they are; Myers runs on the middle only.
        var prefix = 0
        while prefix < old.count, prefix < new.count, old[prefix] == new[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < old.count - prefix, suffix < new.count - prefix,
            old[old.count - 1 - suffix] == new[new.count - 1 - suffix]
        {
            suffix += 1
        }
        var script: [Edit] = (0..<prefix).map { .keep($0, $0) }
        script += myers(old, new, oldRange: prefix..<(old.count - suffix), newRange: prefix..<(new.count - suffix))
        script += (0..<suffix).map { .keep(old.count - suffix + $0, new.count - suffix + $0) }
        return groupingChanges(script)
    }

    /// Reorders each run of consecutive changes so its deletions come before its insertions, as `diff -u` prints
    /// them.
    private static func groupingChanges(_ script: [Edit]) -> [Edit] {
        var result: [Edit] = []
        result.reserveCapacity(script.count)
        var deletes: [Edit] = []
        var inserts: [Edit] = []
        func flush() {
            result += deletes
            result += inserts
            deletes.removeAll()
            inserts.removeAll()
        }
        for edit in script {
            switch edit {
            case .keep:
                flush()
                result.append(edit)
            case .delete: deletes.append(edit)
            case .insert: inserts.append(edit)
            }
        }
        flush()
        return result
    }

    /// The most edits Myers searches for before giving up on a minimal script; bounds time to O((N+M)·D) and the
    /// saved trace to O(D²) (about 8 MB), whatever size of text a server sends.
    public static let maximumEditDistance = 1000

    /// Myers' greedy forward algorithm, saving the part of the V array each D can reach for the backtrack. When the
    /// texts differ by more than ``maximumEditDistance`` edits, the middle is replaced as a whole (all deletions,
    /// then all insertions): still a correct script, just not a minimal one.
    private static func myers<Element: Equatable>(
        _ old: [Element],
        _ new: [Element],
        oldRange: Range<Int>,
        newRange: Range<Int>
    ) -> [Edit] {
        let n = oldRange.count
        let m = newRange.count
        if n == 0 { return newRange.map { .insert($0) } }
        if m == 0 { return oldRange.map { .delete($0) } }
        let maxD = min(n + m, maximumEditDistance)
        let offset = maxD + 1
        var v = [Int](repeating: 0, count: 2 * maxD + 3)
        // trace[d] holds V for diagonals -d...d as it was before step d.
        var trace: [[Int]] = []
        var found = false
        search: for d in 0...maxD {
            trace.append(Array(v[(offset - d)...(offset + d)]))
            for k in stride(from: -d, through: d, by: 2) {
                var x: Int
                if k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]) {
                    x = v[offset + k + 1]
                } else {
                    x = v[offset + k - 1] + 1
                }
                var y = x - k
                while x < n, y < m, old[oldRange.lowerBound + x] == new[newRange.lowerBound + y] {
                    x += 1
                    y += 1
                }
                v[offset + k] = x
                if x >= n, y >= m {
                    found = true
                    break search
                }
            }
        }
        guard found else { return oldRange.map { .delete($0) } + newRange.map { .insert($0) } }
        // Backtrack from (n, m) through the saved V arrays.
        var script: [Edit] = []
        var x = n
        var y = m
        for d in stride(from: trace.count - 1, through: 0, by: -1) {
            if d == 0 {
                while x > 0, y > 0 {
                    x -= 1
                    y -= 1
                    script.append(.keep(oldRange.lowerBound + x, newRange.lowerBound + y))
                }
                break
            }
            let saved = trace[d]
            func at(_ k: Int) -> Int { saved[k + d] }
            let k = x - y
            let previousK: Int
            if k == -d || (k != d && at(k - 1) < at(k + 1)) {
                previousK = k + 1
            } else {
                previousK = k - 1
            }
            let previousX = at(previousK)
            let previousY = previousX - previousK
            while x > previousX, y > previousY {
                x -= 1
                y -= 1
                script.append(.keep(oldRange.lowerBound + x, newRange.lowerBound + y))
            }
            if x == previousX {
                script.append(.insert(newRange.lowerBound + previousY))
            } else {
                script.append(.delete(oldRange.lowerBound + previousX))
            }
            x = previousX
            y = previousY
        }
        return script.reversed()
    }
}
