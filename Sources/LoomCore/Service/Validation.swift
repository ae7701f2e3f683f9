import Foundation

/// Input rules of the service: sizes are bounded so a hostile caller cannot make Loom store
/// or forward unbounded data, and text holds no U+0000 (protobuf-c hands strings to C
/// NUL-terminated, so RPC clients would otherwise see such a value cut short).
enum Validation {
    static let maxTextLength = 4096
    static let maxNameLength = 256
    static let maxURLLength = 2048
    static let maxSteps = 1000
    static let maxInputs = 100
    static let maxMapEntries = 256
    static let maxMapValueLength = 65_536
    static let maxCandidatesPerRequest = 10_000
    static let maxFileGroups = 1000
    static let maxFilesPerGroup = 10_000

    static func text(_ value: String, field: String, max: Int = maxTextLength, required: Bool = false) throws(LoomError) {
        if required && value.isEmpty { throw .invalidArgument("\(field) is required") }
        if value.utf8.count > max { throw .invalidArgument("\(field) is longer than \(max) bytes") }
        try noNUL(value, field: field)
    }

    static func noNUL(_ value: String, field: String) throws(LoomError) {
        if value.utf8.contains(0) { throw .invalidArgument("\(field) contains a NUL character (U+0000)") }
    }

    static func map(_ map: [String: String], field: String) throws(LoomError) {
        if map.count > maxMapEntries { throw .invalidArgument("\(field) has more than \(maxMapEntries) entries") }
        for (key, value) in map {
            if key.isEmpty || key.utf8.count > maxNameLength {
                throw .invalidArgument("\(field) keys must be 1-\(maxNameLength) bytes")
            }
            if value.utf8.count > maxMapValueLength {
                throw .invalidArgument("\(field)[\(Identifier.quoted(key))] is longer than \(maxMapValueLength) bytes")
            }
            try noNUL(key, field: "\(field) key")
            try noNUL(value, field: "\(field)[\(Identifier.quoted(key))]")
        }
    }

    /// A migrator base URL: absolute `http`/`https` with a host, no query, fragment or credentials.
    static func migratorURL(_ value: String) throws(LoomError) {
        try text(value, field: "migratorUrl", max: maxURLLength, required: true)
        guard let components = URLComponents(string: value), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
            components.query == nil, components.fragment == nil, components.user == nil, components.password == nil
        else {
            throw .invalidArgument(
                "migratorUrl must be an absolute http:// or https:// URL with a host and no query, got \(Identifier.quoted(value))"
            )
        }
    }

    /// A candidate as a migrator sends it; with `steps`, its own step list must name those
    /// steps, each at most once.
    static func candidate(_ candidate: Candidate, steps: [StepDefinition]? = nil) throws(LoomError) {
        try CandidateID.validate(candidate.id)
        if candidate.steps.count > maxSteps { throw .invalidArgument("candidate \(candidate.id) lists more than \(maxSteps) steps") }
        if let steps, !candidate.steps.isEmpty {
            let known = Set(steps.map(\.name))
            var seen = Set<String>()
            for name in candidate.steps {
                guard known.contains(name) else {
                    throw .invalidArgument("candidate \(candidate.id) steps: the migration has no step \(Identifier.quoted(name))")
                }
                guard seen.insert(name).inserted else {
                    throw .invalidArgument("candidate \(candidate.id) steps: \(Identifier.quoted(name)) is listed twice")
                }
            }
        }
        try text(candidate.kind, field: "candidate \(candidate.id) kind", max: maxNameLength, required: true)
        try map(candidate.metadata, field: "candidate \(candidate.id) metadata")
        if candidate.files.count > maxFileGroups {
            throw .invalidArgument("candidate \(candidate.id) has more than \(maxFileGroups) file groups")
        }
        for group in candidate.files {
            try text(group.name, field: "file group name", max: maxNameLength, required: true)
            try text(group.repo, field: "file group repo", max: maxNameLength, required: true)
            if group.files.count > maxFilesPerGroup {
                throw .invalidArgument("file group \(Identifier.quoted(group.name)) has more than \(maxFilesPerGroup) files")
            }
            for file in group.files {
                try text(file.path, field: "file path", max: maxURLLength, required: true)
                try text(file.url, field: "file url", max: maxURLLength)
            }
        }
    }

    static func migration(_ migration: Migration) throws(LoomError) {
        try Identifier.validate(migration.id, field: "migration id")
        try text(migration.name, field: "name", max: maxNameLength)
        try text(migration.description, field: "description")
        try migratorURL(migration.migratorUrl)
        if migration.steps.isEmpty { throw .invalidArgument("a migration needs at least one step") }
        if migration.steps.count > maxSteps { throw .invalidArgument("a migration has at most \(maxSteps) steps") }
        var names = Set<String>()
        for step in migration.steps {
            try Identifier.validate(step.name, field: "step name")
            guard names.insert(step.name).inserted else {
                throw .invalidArgument("step name \(Identifier.quoted(step.name)) is used twice")
            }
            try text(step.migratorApp, field: "step \(step.name) migratorApp", max: maxNameLength)
            try text(step.type, field: "step \(step.name) type", max: maxNameLength)
            try text(step.description, field: "step \(step.name) description")
            try map(step.config, field: "step \(step.name) config")
            if step.config[StepDefinition.timeoutConfigKey] != nil && step.configuredTimeout == nil {
                throw .invalidArgument(
                    "step \(step.name) config \(StepDefinition.timeoutConfigKey) must be a positive number of seconds (at most 30 days)"
                )
            }
        }
        if migration.requiredInputs.count > maxInputs {
            throw .invalidArgument("a migration has at most \(maxInputs) required inputs")
        }
        var inputs = Set<String>()
        for input in migration.requiredInputs {
            try Identifier.validate(input.name, field: "required input name")
            guard inputs.insert(input.name).inserted else {
                throw .invalidArgument("required input \(Identifier.quoted(input.name)) is declared twice")
            }
            try text(input.label, field: "required input \(input.name) label", max: maxNameLength)
        }
        if migration.candidates.count > maxCandidatesPerRequest {
            throw .invalidArgument("at most \(maxCandidatesPerRequest) candidates per request")
        }
    }

    static func candidateFilter(_ filter: CandidateFilter) throws(LoomError) {
        if let kind = filter.kind { try text(kind, field: "kind", max: maxNameLength) }
        if !filter.idPrefix.isEmpty, filter.idPrefix.utf8.count > CandidateID.maxLength || !filter.idPrefix.utf8.allSatisfy(CandidateID.isAllowed) {
            throw .invalidArgument("id_prefix must be at most \(CandidateID.maxLength) characters of [A-Za-z0-9\(CandidateID.punctuation)]")
        }
        if filter.metadata.count > 16 { throw .invalidArgument("metadata filter has more than 16 entries") }
        try map(filter.metadata, field: "metadata filter")
    }

    static func runFilter(_ filter: RunFilter) throws(LoomError) {
        if let id = filter.selection.migrationId { try Identifier.validate(id, field: "migration id") }
        if let step = filter.stepName { try Identifier.validate(step, field: "step_name") }
        if let after = filter.selection.updatedAfter, let before = filter.selection.updatedBefore, after >= before {
            throw .invalidArgument("updated_after must be earlier than updated_before")
        }
        for bound in [filter.selection.updatedAfter, filter.selection.updatedBefore] {
            if let bound, bound.unixMilliseconds < 0 || bound.unixMilliseconds > 253_402_300_799_999 {
                throw .invalidArgument("update time bounds must be between 1970 and 9999")
            }
        }
    }

    static func event(_ event: StepEvent) throws(LoomError) {
        try Identifier.validate(event.stepName, field: "stepName")
        try CandidateID.validate(event.candidateId, field: "candidateId")
        try text(event.phase, field: "phase", max: maxNameLength)
        try text(event.failureReason, field: "failureReason")
        try map(event.metadata, field: "metadata")
    }
}
