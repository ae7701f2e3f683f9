import Testing

@testable import LoomConsole

@Suite("HTML builder")
struct HTMLTests {
    @Test("a hostile candidate name renders as text, in content and in attributes")
    func escapesTextAndAttributes() {
        let hostile = "<img src=x onerror=alert(1)>"
        let node: HTML = .el("td", [.init("title", hostile), .init("data-x", "\" onmouseover='x'")], .text(hostile))
        let html = node.render()
        #expect(html == #"<td title="&lt;img src=x onerror=alert(1)&gt;" data-x="&quot; onmouseover=&#39;x&#39;">&lt;img src=x onerror=alert(1)&gt;</td>"#)
        #expect(!html.contains("<img"))
    }

    @Test("ampersands, quotes and control characters are escaped; constant markup is not")
    func escapesEverySpecialCharacter() {
        #expect(HTML.escaped("a & b < c > d \" e ' f") == "a &amp; b &lt; c &gt; d &quot; e &#39; f")
        #expect(HTML.escaped("nul\u{0}bel\u{7}del\u{7F}") == "nul\u{FFFD}bel\u{FFFD}del\u{FFFD}")
        #expect(HTML.escaped("tab\tline\n") == "tab\tline\n")
        #expect(HTML.group([.raw("<!DOCTYPE html>"), .text("<b>")]).render() == "<!DOCTYPE html>&lt;b&gt;")
        #expect(HTML.void("input", [.init("disabled", nil), .init("value", "</script>")]).render() == #"<input disabled value="&lt;/script&gt;">"#)
    }

    @Test("only http and https links become anchors")
    func externalLinks() {
        #expect(HTML.safeExternalLink("https://git.example/pr/1").render()
            == #"<a href="https://git.example/pr/1" rel="noopener noreferrer nofollow" target="_blank">https://git.example/pr/1</a>"#)
        for hostile in ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<script>x</script>", "//evil.example", "https://a b"] {
            let html = HTML.safeExternalLink(hostile).render()
            #expect(!html.contains("<a"), "\(hostile) -> \(html)")
            #expect(!html.contains("<script"))
        }
    }
}
