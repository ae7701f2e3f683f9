import Foundation
import LoomProto

/// The files `campaign create` reads: a candidate list and per-member inputs.
public enum CampaignInput {
    /// Candidate ids from `--candidates a,b,c`: split on commas, blanks trimmed, empty entries dropped.
    public static func candidateList(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Candidate ids from a file: one per line (blank lines and lines starting with `#` are skipped), or a JSON
    /// array of strings when the file starts with `[`.
    public static func candidateFile(_ data: Data, path: String) throws(CLIError) -> [String] {
        let text = String(decoding: data, as: UTF8.self)
        if text.drop(while: \.isWhitespace).first == "[" {
            guard let ids = try? JSONDecoder().decode([String].self, from: data) else {
                throw .usage("\(path): not a JSON array of candidate ids")
            }
            return ids
        }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// Per-member inputs from a file: JSON `{"candidate": {"key": "value"}}` when it starts with `{`, else CSV rows
    /// `candidate,key,value` (an optional header row `candidate,key,value`; fields may be quoted with `"`, a quote
    /// inside doubled). A (candidate, key) pair given twice is an error. Returned in candidate order.
    public static func memberInputs(_ data: Data, path: String) throws(CLIError) -> [CampaignMemberInputs] {
        let text = String(decoding: data, as: UTF8.self)
        var byCandidate: [String: [String: String]] = [:]
        var order: [String] = []
        if text.drop(while: \.isWhitespace).first == "{" {
            guard let decoded = try? JSONDecoder().decode([String: [String: String]].self, from: data) else {
                throw .usage("\(path): not a JSON object of candidate → {key: value}")
            }
            order = decoded.keys.sorted()
            byCandidate = decoded
        } else {
            for (index, row) in try csvRows(text, path: path).enumerated() {
                if index == 0, row.map({ $0.lowercased() }) == ["candidate", "key", "value"] { continue }
                guard row.count == 3 else {
                    throw .usage("\(path): row \(index + 1) has \(row.count) fields; expected candidate,key,value")
                }
                let (candidate, key, value) = (row[0], row[1], row[2])
                guard !candidate.isEmpty, !key.isEmpty else { throw .usage("\(path): row \(index + 1) has an empty candidate or key") }
                if byCandidate[candidate] == nil { order.append(candidate) }
                guard byCandidate[candidate, default: [:]].updateValue(value, forKey: key) == nil else {
                    throw .usage("\(path): \(candidate) \(key) is given more than once")
                }
            }
        }
        return order.map { CampaignMemberInputs(candidateID: $0, inputs: byCandidate[$0] ?? [:]) }
    }

    /// The rows of a CSV text (RFC 4180 quoting; blank lines skipped).
    static func csvRows(_ text: String, path: String) throws(CLIError) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var fieldWasQuoted = false
        var characters = Array(text)[...]
        func endRow() {
            row.append(field)
            if !(row.count == 1 && row[0].isEmpty && !fieldWasQuoted) { rows.append(row) }
            row = []
            field = ""
            fieldWasQuoted = false
        }
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" {
                        field.append("\"")
                        characters.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"" where field.isEmpty:
                quoted = true
                fieldWasQuoted = true
            case ",":
                row.append(field)
                field = ""
                fieldWasQuoted = false
            case "\n", "\r\n", "\r":
                endRow()
            default:
                field.append(character)
            }
        }
        guard !quoted else { throw .usage("\(path): a quoted field is not closed") }
        if !field.isEmpty || !row.isEmpty || fieldWasQuoted { endRow() }
        return rows
    }
}
