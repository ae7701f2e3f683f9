import Foundation
import LoomCore

/// The page chrome and the small pieces every page uses (times, status badges, progress bars, links).
enum Layout {
    /// A whole document: header with the caller, `main` content, the console's stylesheet and script.
    /// - Parameter events: The Server-Sent Events URL the page follows live (`nil`: a static page).
    static func page(title: String, caller: ConsoleCaller, events: String? = nil, crumbs: [(String, String?)] = [], _ content: HTML...) -> String {
        var attributes: [HTML.Attribute] = []
        if let events { attributes.append(.init("data-events", events)) }
        let who = caller.identity.map { "\($0.value) (\(caller.roles.sorted().map(\.rawValue).joined(separator: ", ")))" }
            ?? "local operator (no authentication)"
        let document = HTML.group([
            .raw("<!DOCTYPE html>"),
            .element("html", [.init("lang", "en")], [
                .el("head",
                    .void("meta", [.init("charset", "utf-8")]),
                    .void("meta", [.init("name", "viewport"), .init("content", "width=device-width, initial-scale=1")]),
                    .void("meta", [.init("name", "color-scheme"), .init("content", "light dark")]),
                    .el("title", .text("\(title) · Loom")),
                    .void("link", [.init("rel", "stylesheet"), .href("/assets/console.css")]),
                    .element("script", [.init("src", "/assets/console.js"), .init("defer", nil)], [])),
                .element("body", attributes, [
                    .el("a", [.class("skip"), .href("#main")], .text("Skip to content")),
                    .el("header",
                        .el("nav", [.init("aria-label", "Breadcrumb")],
                            .element("ol", [], ([("Loom", "/")] + crumbs).map { label, link in
                                .el("li", link.map { HTML.el("a", [.href($0)], .text(label)) } ?? .el("span", [.init("aria-current", "page")], .text(label)))
                            })),
                        .el("p", [.class("who")], .text("Signed in as "), .el("strong", .text(who)))),
                    .element("main", [.id("main"), .init("tabindex", "-1")], [
                        .el("h1", .text(title)),
                        .el("p", [.class("live"), .id("live-status"), .init("role", "status"), .init("aria-live", "polite")],
                            .text(events == nil ? "" : "Live updates: connecting…")),
                        .group(content),
                    ]),
                ]),
            ]),
        ])
        return document.render()
    }

    /// A time, absolute (UTC, ISO 8601) and relative to `now`; the script keeps the relative part fresh.
    static func time(_ timestamp: Timestamp?, now: Timestamp) -> HTML {
        guard let timestamp, timestamp.unixMilliseconds > 0 else { return .text("—") }
        let iso = isoString(timestamp)
        return .el("time", [.init("datetime", iso), .init("title", iso)],
            .text(iso), .text(" "), .el("span", [.class("rel")], .text("(\(relative(timestamp, now: now)))")))
    }

    /// `2026-12-03T18:29:51Z`.
    static func isoString(_ timestamp: Timestamp) -> String {
        let date = Date(timeIntervalSince1970: Double(timestamp.unixMilliseconds) / 1000)
        return date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC") ?? .current))
    }

    /// `just now`, `5 s ago`, `3 min ago`, `2 h ago`, `4 d ago` (or `in …` for the future).
    static func relative(_ timestamp: Timestamp, now: Timestamp) -> String {
        let delta = (now.unixMilliseconds - timestamp.unixMilliseconds) / 1000
        let magnitude = abs(delta)
        let text: String
        switch magnitude {
        case 0..<2: return "just now"
        case 2..<60: text = "\(magnitude) s"
        case 60..<3600: text = "\(magnitude / 60) min"
        case 3600..<86_400: text = "\(magnitude / 3600) h"
        default: text = "\(magnitude / 86_400) d"
        }
        return delta >= 0 ? "\(text) ago" : "in \(text)"
    }

    /// A status badge (`status-<name>` class; the name is also the text, so colour is never the only cue).
    static func badge(_ status: String) -> HTML {
        .el("span", [.class("badge status-\(cssToken(status))")], .text(status))
    }

    /// A stacked bar of `segments` (name, count), with a text legend for screen readers and everyone else.
    static func progress(_ segments: [(String, UInt64)], label: String) -> HTML {
        let total = segments.reduce(0) { $0 + $1.1 }
        let bar: [HTML] = segments.filter { $0.1 > 0 }.map { name, count in
            let percent = total == 0 ? 0 : Int((Double(count) * 1000 / Double(total)).rounded())
            // The width is a class (w0…w1000 in steps of 25 ‰): the CSP allows no inline style.
            let step = min(40, (percent + 12) / 25)
            return .el("span", [.class("seg status-\(cssToken(name)) w\(step * 25)"), .init("title", "\(name): \(count)")])
        }
        let legend = segments.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
        return .el("div", [.class("progress-wrap")],
            .element("div", [.class("progress"), .init("role", "img"), .init("aria-label", "\(label): \(legend)")], bar),
            .el("p", [.class("legend")], .text(legend)))
    }

    /// A lower-case token of letters, digits and `-` for class names (anything else becomes `-`).
    static func cssToken(_ text: String) -> String {
        String(text.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" })
    }

    /// `/migrations/{id}/candidates/{cid}` with each segment percent-encoded (candidate ids contain `/`).
    static func runPath(_ migrationId: String, _ candidateId: String) -> String {
        "/migrations/\(segment(migrationId))/candidates/\(segment(candidateId))"
    }

    /// `/migrations/{id}`.
    static func migrationPath(_ migrationId: String) -> String { "/migrations/\(segment(migrationId))" }

    /// One path segment, percent-encoded.
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// A query value, percent-encoded.
    static func queryValue(_ text: String) -> String { segment(text) }
}
