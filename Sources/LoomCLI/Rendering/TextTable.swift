/// A table of left-aligned columns separated by two spaces, with an upper-case header row.
///
/// Cells may contain ANSI colour sequences: widths are measured without them (``Palette/visibleWidth(_:)``).
/// Trailing spaces are trimmed from every line; an empty cell is shown as `-`.
public struct TextTable: Sendable {
    /// The column headers.
    public var headers: [String]
    /// The rows; each has one cell per header (missing cells are empty, extra ones are dropped).
    public var rows: [[String]]

    /// Creates a table.
    public init(headers: [String], rows: [[String]] = []) {
        self.headers = headers
        self.rows = rows
    }

    /// Appends a row.
    public mutating func append(_ row: [String]) {
        rows.append(row)
    }

    /// The table's lines, header first (bold in a coloured palette).
    public func render(palette: Palette = .plain) -> [String] {
        let normalized = rows.map { row in
            headers.indices.map { index in
                let cell = index < row.count ? row[index] : ""
                return Palette.visibleWidth(cell) == 0 ? "-" : sanitize(cell)
            }
        }
        var widths = headers.map { Palette.visibleWidth($0) }
        for row in normalized {
            for (index, cell) in row.enumerated() {
                widths[index] = max(widths[index], Palette.visibleWidth(cell))
            }
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (index, cell) in cells.enumerated() {
                text += cell
                if index < cells.count - 1 {
                    text += String(repeating: " ", count: widths[index] - Palette.visibleWidth(cell) + 2)
                }
            }
            while text.last == " " { text.removeLast() }
            return text
        }
        return [palette.bold(line(headers))] + normalized.map(line)
    }

    /// Replaces line breaks and tabs so a cell stays on its line.
    private func sanitize(_ cell: String) -> String {
        guard cell.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\t" }) else { return cell }
        return String(cell.map { $0 == "\n" || $0 == "\r" || $0 == "\t" ? " " : $0 })
    }
}

/// Formats Unix epoch milliseconds as `YYYY-MM-DD HH:MM:SSZ` (UTC); 0 (unset) is empty.
public func formatTimestamp(_ unixMs: Int64) -> String {
    guard unixMs > 0 else { return "" }
    let seconds = unixMs / 1000
    let days = seconds / 86_400
    let secondOfDay = seconds % 86_400
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let mp = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(year)-\(two(month))-\(two(day)) \(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60)):\(two(secondOfDay % 60))Z"
}
