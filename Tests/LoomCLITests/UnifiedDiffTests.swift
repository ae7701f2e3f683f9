import Testing

@testable import LoomCLI

@Suite("Line diff and unified rendering", .timeLimit(.minutes(1)))
struct UnifiedDiffTests {
    private func diff(_ old: String, _ new: String, context: Int = 3) -> String {
        UnifiedDiff.render(old: old, new: new, oldName: "a/f", newName: "b/f", context: context).joined(separator: "\n")
    }

    @Test("equal texts have no diff")
    func equal() {
        #expect(diff("a\nb\n", "a\nb\n").isEmpty)
        #expect(diff("", "").isEmpty)
    }

    @Test("a changed line in the middle shows three lines of context each side")
    func changedLine() {
        let old = (1...9).map { "l\($0)" }.joined(separator: "\n") + "\n"
        let new = old.replacingOccurrences(of: "l5", with: "five")
        #expect(
            diff(old, new) == """
                --- a/f
                +++ b/f
                @@ -2,7 +2,7 @@
                 l2
                 l3
                 l4
                -l5
                +five
                 l6
                 l7
                 l8
                """
        )
    }

    @Test("a new file is one hunk from -0,0")
    func newFile() {
        let output = UnifiedDiff.render(old: "", new: "x\ny\n", oldName: "/dev/null", newName: "b/f")
        #expect(output == ["--- /dev/null", "+++ b/f", "@@ -0,0 +1,2 @@", "+x", "+y"])
    }

    @Test("a deleted file is one hunk to +0,0; a single line is written without a count")
    func deletedFile() {
        let output = UnifiedDiff.render(old: "only\n", new: "", oldName: "a/f", newName: "/dev/null")
        #expect(output == ["--- a/f", "+++ /dev/null", "@@ -1 +0,0 @@", "-only"])
    }

    @Test("a missing final newline is a change and is marked")
    func missingNewline() {
        #expect(
            diff("a\nb", "a\nb\n") == """
                --- a/f
                +++ b/f
                @@ -1,2 +1,2 @@
                 a
                -b
                \\ No newline at end of file
                +b
                """
        )
    }

    @Test("changes more than six unchanged lines apart make two hunks; closer ones merge")
    func hunkSplitting() {
        let old = (1...20).map { "l\($0)" }
        var far = old
        far[1] = "X"
        far[17] = "Y"
        let farDiff = UnifiedDiff.render(
            old: old.joined(separator: "\n") + "\n", new: far.joined(separator: "\n") + "\n", oldName: "a", newName: "b"
        )
        #expect(farDiff.filter { $0.hasPrefix("@@") } == ["@@ -1,5 +1,5 @@", "@@ -15,6 +15,6 @@"])

        var near = old
        near[1] = "X"
        near[8] = "Y"
        let nearDiff = UnifiedDiff.render(
            old: old.joined(separator: "\n") + "\n", new: near.joined(separator: "\n") + "\n", oldName: "a", newName: "b"
        )
        #expect(nearDiff.filter { $0.hasPrefix("@@") } == ["@@ -1,12 +1,12 @@"])
    }

    @Test("Myers finds the shortest edit script (ABCABBA → CBABAC has 5 edits)")
    func shortestScript() {
        let old = Array("ABCABBA")
        let new = Array("CBABAC")
        let script = LineDiff.edits(from: old, to: new)
        let changes = script.filter { if case .keep = $0 { false } else { true } }
        #expect(changes.count == 5)
        // Replaying the script reproduces the new sequence.
        var rebuilt: [Character] = []
        for edit in script {
            switch edit {
            case .keep(let oldIndex, _): rebuilt.append(old[oldIndex])
            case .insert(let newIndex): rebuilt.append(new[newIndex])
            case .delete: break
            }
        }
        #expect(rebuilt == new)
    }

    @Test("every edit script replays to the new text", arguments: [
        ("", "a\n"), ("a\nb\nc\n", "c\nb\na\n"), ("x\ny\n", "x\nq\ny\nz\n"), ("1\n2\n3\n4\n", "2\n4\n"),
    ])
    func replay(old: String, new: String) {
        let oldLines = LineDiff.lines(of: old)
        let newLines = LineDiff.lines(of: new)
        var rebuilt: [LineDiff.Line] = []
        var deleted: [Int] = []
        for edit in LineDiff.edits(from: oldLines, to: newLines) {
            switch edit {
            case .keep(let index, _): rebuilt.append(oldLines[index])
            case .insert(let index): rebuilt.append(newLines[index])
            case .delete(let index): deleted.append(index)
            }
        }
        #expect(rebuilt == newLines)
    }

    @Test("texts differing by more than the edit bound still get a correct (whole-replacement) script, quickly")
    func boundedSearch() {
        let old = (0..<3000).map { "old \($0)" }
        let new = (0..<3000).map { "new \($0)" }
        let script = LineDiff.edits(from: old, to: new)
        #expect(script.count == 6000)
        var rebuilt: [String] = []
        for edit in script {
            if case .insert(let index) = edit { rebuilt.append(new[index]) }
            if case .keep(let index, _) = edit { rebuilt.append(old[index]) }
        }
        #expect(rebuilt == new)

        // Within the bound the script stays minimal: 600 interleaved changes in 3000 lines.
        var edited = old
        for index in stride(from: 0, to: 3000, by: 10) { edited[index] = "changed \(index)" }
        let minimal = LineDiff.edits(from: old, to: edited).filter { if case .keep = $0 { false } else { true } }
        #expect(minimal.count == 600)
    }

    @Test("changes are grouped with removals before additions")
    func grouping() {
        #expect(diff("a\nb\nc\n", "x\ny\nc\n", context: 0) == "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n-a\n-b\n+x\n+y")
    }

    @Test("colours apply to removed, added and hunk lines only with a coloured palette")
    func colours() {
        let coloured = UnifiedDiff.render(old: "a\n", new: "b\n", oldName: "a/f", newName: "b/f", palette: Palette(isEnabled: true))
        #expect(coloured.contains("\u{1B}[31m-a\u{1B}[0m"))
        #expect(coloured.contains("\u{1B}[32m+b\u{1B}[0m"))
        let plain = UnifiedDiff.render(old: "a\n", new: "b\n", oldName: "a/f", newName: "b/f")
        #expect(!plain.joined().contains("\u{1B}"))
    }
}
