import LoomProto

extension LoomEnum {
    /// The value as the REST contract spells it: the proto value name without its enum prefix, in lower snake case
    /// (`RUN_STATUS_WAITING_RETRY` → `waiting_retry`). A number the contract does not define is
    /// `unrecognized_<number>`; the zero value is `unspecified`.
    public var cliName: String {
        guard let valueName = protoValueName else { return "unrecognized_\(rawValue)" }
        let prefix = Self.valuePrefix
        let trimmed = valueName.hasPrefix(prefix) ? String(valueName.dropFirst(prefix.count)) : valueName
        return trimmed.lowercased()
    }

    /// `RUN_STATUS_` for `loom.v1.RunStatus`: the prefix protobuf style puts on every value name.
    static var valuePrefix: String {
        let typeName = protoName.split(separator: ".").last.map(String.init) ?? protoName
        var result = ""
        for (index, character) in typeName.enumerated() {
            if character.isUppercase, index > 0 { result.append("_") }
            result.append(contentsOf: character.uppercased())
        }
        return result + "_"
    }
}

extension RunStatus {
    /// Whether the run has finished (completed, cancelled or failed).
    var isFinished: Bool {
        switch self {
        case .completed, .cancelled, .failed: true
        case .unspecified, .running, .waitingRetry, .unrecognized: false
        }
    }
}

extension StepStatus {
    /// Whether the step succeeded (completed or merged).
    var isSuccess: Bool { self == .completed || self == .merged }
}

extension Palette {
    /// Colours a run status by its meaning.
    func runStatus(_ status: RunStatus) -> String {
        switch status {
        case .completed: green(status.cliName)
        case .failed, .cancelled: red(status.cliName)
        case .waitingRetry: yellow(status.cliName)
        case .running: blue(status.cliName)
        case .unspecified, .unrecognized: status.cliName
        }
    }

    /// Colours a step status by its meaning; `nil` (a step not reached yet) is a dim `pending`.
    func stepStatus(_ status: StepStatus?) -> String {
        guard let status else { return dim("pending") }
        switch status {
        case .completed, .merged: return green(status.cliName)
        case .failed, .cancelled: return red(status.cliName)
        case .awaitingReview, .open: return yellow(status.cliName)
        case .inProgress: return blue(status.cliName)
        case .unspecified, .unrecognized: return status.cliName
        }
    }

    /// Colours a candidate status by its meaning.
    func candidateStatus(_ status: CandidateStatus) -> String {
        switch status {
        case .completed: green(status.cliName)
        case .running: blue(status.cliName)
        case .notStarted, .unspecified: dim(CandidateStatus.notStarted.cliName)
        case .unrecognized: status.cliName
        }
    }
}
