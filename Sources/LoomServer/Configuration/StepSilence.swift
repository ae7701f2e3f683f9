extension ServerConfiguration {
    /// The default of ``stepSilence``: 15 minutes.
    public static let defaultStepSilence: Duration = .seconds(900)

    /// Parses `--step-silence` (`LOOM_STEP_SILENCE`): a number of seconds (`900`), or a number with
    /// the unit `s`, `m` or `h` (`90s`, `15m`, `1.5h`); `off` or `0` turns status checks off
    /// (`nil`). At least 1 s and at most 30 days.
    /// - Throws: ``ConfigurationError`` naming the flag.
    public static func parseStepSilence(_ text: String) throws(ConfigurationError) -> Duration? {
        let value = text.lowercased()
        if value == "off" { return nil }
        var number = Substring(value)
        var unit = 1.0
        switch number.last {
        case "s": number.removeLast()
        case "m": unit = 60; number.removeLast()
        case "h": unit = 3600; number.removeLast()
        default: break
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let amount = Double(number) else {
            throw ConfigurationError("--step-silence must be a duration such as 900, 90s, 15m or 1h, or off; not \"\(text)\"")
        }
        if amount == 0 { return nil }
        let seconds = amount * unit
        guard seconds >= 1, seconds <= 30 * 24 * 3600 else {
            throw ConfigurationError("--step-silence must be between 1 s and 30 days (or off), not \"\(text)\"")
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
