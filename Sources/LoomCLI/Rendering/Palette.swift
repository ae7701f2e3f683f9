/// ANSI colours for terminal output, or none at all.
///
/// Colours are used only when standard output is a terminal, `--json` is not given and `NO_COLOR` is unset or
/// empty (https://no-color.org), and `TERM` is not `dumb`; see ``Palette/init(isTerminal:json:environment:)``.
public struct Palette: Sendable, Hashable {
    /// Whether escape sequences are emitted.
    public let isEnabled: Bool

    /// A palette that emits escape sequences when `isEnabled`.
    public init(isEnabled: Bool) {
        self.isEnabled = isEnabled
    }

    /// The palette for an output: colours only on a terminal, never with `--json` or `NO_COLOR`.
    public init(isTerminal: Bool, json: Bool, environment: [String: String]) {
        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        let dumb = environment["TERM"] == "dumb"
        self.init(isEnabled: isTerminal && !json && !noColor && !dumb)
    }

    /// No colours.
    public static let plain = Palette(isEnabled: false)

    /// Wraps `text` in an SGR sequence.
    public func style(_ text: String, _ code: String) -> String {
        guard isEnabled, !text.isEmpty else { return text }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }

    /// Red (failures, removed lines).
    public func red(_ text: String) -> String { style(text, "31") }
    /// Green (success, added lines).
    public func green(_ text: String) -> String { style(text, "32") }
    /// Yellow (waiting states).
    public func yellow(_ text: String) -> String { style(text, "33") }
    /// Blue (in progress).
    public func blue(_ text: String) -> String { style(text, "34") }
    /// Cyan (hunk headers).
    public func cyan(_ text: String) -> String { style(text, "36") }
    /// Bold (headers).
    public func bold(_ text: String) -> String { style(text, "1") }
    /// Dim (secondary details, pending steps).
    public func dim(_ text: String) -> String { style(text, "2") }

    /// The visible width of `text`: its characters, not counting ANSI escape sequences.
    public static func visibleWidth(_ text: String) -> Int {
        var width = 0
        var inEscape = false
        for character in text {
            if inEscape {
                if character.isLetter { inEscape = false }
            } else if character == "\u{1B}" {
                inEscape = true
            } else {
                width += 1
            }
        }
        return width
    }
}
