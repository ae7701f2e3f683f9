/// A typed HTML tree that escapes by default: the console's only way to produce markup.
///
/// Tag and attribute names are `StaticString`s, so they can only be constants written in this
/// module; every text node and every attribute value is escaped when rendered, so untrusted
/// values (candidate ids, metadata, failure reasons, all chosen by migrators) can never become
/// markup. The one unescaped path, ``raw(_:)``, also takes a `StaticString`: constant markup only.
///
/// ```swift
/// let node: HTML = .element("td", ["class": "id"], [.text(candidate.id)])
/// node.render()   // <td class="id">&lt;img src=x&gt;</td> for a hostile id
/// ```
public indirect enum HTML: Sendable {
    /// An element with attributes (rendered in the given order) and children.
    case element(StaticString, [Attribute], [HTML])
    /// A void element (`<input>`, `<meta>`, `<link>`): attributes, no children, no end tag.
    case void(StaticString, [Attribute])
    /// Text, escaped.
    case text(String)
    /// Several nodes in a row.
    case group([HTML])
    /// Constant markup, not escaped (only compile-time constants can reach it).
    case raw(StaticString)

    /// One attribute: a constant name and an escaped value (`nil` renders the bare name, e.g. `hidden`).
    public struct Attribute: Sendable {
        /// The attribute's name, a constant.
        public let name: StaticString
        /// The value, escaped on rendering; `nil` for a boolean attribute.
        public let value: String?

        /// Creates an attribute.
        public init(_ name: StaticString, _ value: String?) {
            self.name = name
            self.value = value
        }
    }

    /// An element without attributes.
    public static func el(_ tag: StaticString, _ children: HTML...) -> HTML {
        .element(tag, [], children)
    }

    /// An element with attributes.
    public static func el(_ tag: StaticString, _ attributes: [Attribute], _ children: HTML...) -> HTML {
        .element(tag, attributes, children)
    }

    /// Nothing.
    public static var empty: HTML { .group([]) }

    /// The markup of this node.
    public func render() -> String {
        var output = ""
        output.reserveCapacity(4096)
        render(into: &output)
        return output
    }

    /// Appends the markup of this node to `output`.
    public func render(into output: inout String) {
        switch self {
        case .element(let tag, let attributes, let children):
            output += "<"
            output += tag.description
            Self.render(attributes, into: &output)
            output += ">"
            for child in children { child.render(into: &output) }
            output += "</"
            output += tag.description
            output += ">"
        case .void(let tag, let attributes):
            output += "<"
            output += tag.description
            Self.render(attributes, into: &output)
            output += ">"
        case .text(let text):
            Self.escape(text, into: &output)
        case .group(let nodes):
            for node in nodes { node.render(into: &output) }
        case .raw(let markup):
            output += markup.description
        }
    }

    private static func render(_ attributes: [Attribute], into output: inout String) {
        for attribute in attributes {
            output += " "
            output += attribute.name.description
            if let value = attribute.value {
                output += "=\""
                escape(value, into: &output)
                output += "\""
            }
        }
    }

    /// Escapes `&`, `<`, `>`, `"` and `'`, which makes `text` safe both as element content and as
    /// a double- or single-quoted attribute value. NUL and other C0 controls except tab, line feed
    /// and carriage return become U+FFFD.
    public static func escape(_ text: String, into output: inout String) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            case "\t", "\n", "\r": output.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    output += "\u{FFFD}"
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
    }

    /// `text`, escaped (see ``escape(_:into:)``).
    public static func escaped(_ text: String) -> String {
        var output = ""
        escape(text, into: &output)
        return output
    }
}

extension HTML.Attribute {
    /// `class="…"`.
    public static func `class`(_ value: String) -> Self { .init("class", value) }
    /// `id="…"`.
    public static func id(_ value: String) -> Self { .init("id", value) }
    /// `href="…"`: only for URLs the console builds itself (see ``safeExternalLink(_:)`` for others).
    public static func href(_ value: String) -> Self { .init("href", value) }
}

extension HTML {
    /// A link to an external URL from untrusted data (a PR link from a migrator): an `<a>` only
    /// when the URL is `http://` or `https://` (so never `javascript:` or `data:`), opened without
    /// a referrer; otherwise the URL as plain text.
    public static func safeExternalLink(_ url: String, label: String? = nil) -> HTML {
        let lowered = url.lowercased()
        guard lowered.hasPrefix("https://") || lowered.hasPrefix("http://"), !url.contains(where: { $0.isWhitespace }) else {
            return .text(label.map { "\($0) (\(url))" } ?? url)
        }
        return .element("a", [.href(url), .init("rel", "noopener noreferrer nofollow"), .init("target", "_blank")], [.text(label ?? url)])
    }
}
