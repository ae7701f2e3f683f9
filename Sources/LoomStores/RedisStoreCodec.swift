import LoomCore

/// Encodes and decodes stored records as JSON wrapped in a versioned envelope
/// `{"v":1,"data":{…}}` (see REDIS-KEYS.md for why JSON).
///
/// The JSON shape is exactly what synthesized `Codable` produces for the domain types (property
/// names as keys, absent optionals omitted, enums as raw values, timestamps as unix ms, run ids
/// as `migration__candidate`), written and read by ``RecordJSONWriter``/``RecordJSONValue``
/// rather than Foundation's encoders, which cost more than half the orchestrator's CPU.
enum RedisStoreCodec {
    /// The schema version written into every record; readers refuse any other.
    static let schemaVersion = 1

    /// The stored part of a migration definition (`def` field); candidates and timestamps live elsewhere.
    struct Definition: Hashable, Codable {
        var name: String
        var description: String
        var migratorUrl: String
        var requiredInputs: [InputDefinition]
        var steps: [StepDefinition]
    }

    /// Encodes `value` inside the versioned envelope.
    static func encode<Value: StoredRecord>(_ value: Value) -> String {
        var writer = RecordJSONWriter()
        writer.object { envelope in
            envelope.integer("v", schemaVersion)
            envelope.member("data") { value.write(to: &$0) }
        }
        return writer.text
    }

    /// Decodes a record written by ``encode(_:)`` (or by `JSONEncoder` with the same envelope).
    /// - Throws: ``LoomError/Code/internal`` naming `what` when the text is not a readable record
    ///   of this schema version.
    static func decode<Value: StoredRecord>(_ type: Value.Type, from text: String, what: String) throws -> Value {
        do {
            let envelope = try RecordJSONValue.parse(text).object("record")
            try checkVersion(try envelope.integer("v", as: Int.self), what: what)
            return try Value(record: envelope.value("data"), what: "data")
        } catch let error as LoomError {
            throw error
        } catch {
            throw LoomError.internal("stored \(what) is not readable", cause: CodecFailure(description: "\(error)"))
        }
    }

    static func checkVersion(_ version: Int, what: String) throws {
        guard version == schemaVersion else {
            throw LoomError.internal("stored \(what) has schema version \(version); this server reads \(schemaVersion)")
        }
    }

    struct CodecFailure: Error, CustomStringConvertible {
        var description: String
    }
}

/// A record type the store writes with ``RecordJSONWriter`` and reads from ``RecordJSONValue``.
protocol StoredRecord {
    func write(to writer: inout RecordJSONWriter)
    init(record: RecordJSONValue, what: String) throws
}

extension Array where Element: StoredRecord {
    fileprivate static func read(_ values: [RecordJSONValue], what: String) throws -> [Element] {
        var elements: [Element] = []
        elements.reserveCapacity(values.count)
        for (index, value) in values.enumerated() { elements.append(try Element(record: value, what: "\(what)[\(index)]")) }
        return elements
    }
}

extension RecordJSONWriter {
    fileprivate mutating func records<Element: StoredRecord>(_ items: [Element]) {
        array(items) { writer, item in item.write(to: &writer) }
    }
}

extension RecordJSONWriter.ObjectWriter {
    /// A timestamp as unix milliseconds (its `Codable` form).
    fileprivate mutating func timestamp(_ name: String, _ value: Timestamp) { integer(name, value.unixMilliseconds) }
    /// Omitted when `nil`, as synthesized `Codable` does.
    fileprivate mutating func timestamp(_ name: String, ifPresent value: Timestamp?) {
        integer(name, ifPresent: value?.unixMilliseconds)
    }
}

extension RecordJSONObject {
    fileprivate func timestamp(_ key: String) throws(RecordJSONError) -> Timestamp {
        Timestamp(unixMilliseconds: try integer(key))
    }
    fileprivate func timestampIfPresent(_ key: String) throws(RecordJSONError) -> Timestamp? {
        try integerIfPresent(key, as: Int64.self).map(Timestamp.init(unixMilliseconds:))
    }
}

extension Run: StoredRecord {
    func write(to writer: inout RecordJSONWriter) {
        writer.object { o in
            o.string("id", id.description)
            o.string("status", status.rawValue)
            o.integer("currentStep", currentStep)
            o.member("results") { $0.records(results) }
            o.member("steps") { $0.records(steps) }
            o.member("candidate") { candidate.write(to: &$0) }
            o.string("migratorUrl", migratorUrl)
            o.stringMap("inputs", inputs)
            o.timestamp("createdAt", createdAt)
            o.timestamp("updatedAt", updatedAt)
            o.timestamp("finishedAt", ifPresent: finishedAt)
            o.string("failureReason", ifPresent: failureReason)
            o.integer("version", version)
            o.integer("generation", generation)
            o.string("startedBy", startedBy)
            o.string("campaignId", campaignId)
            o.timestamp("timerDueAt", ifPresent: timerDueAt)
        }
    }

    init(record: RecordJSONValue, what: String) throws {
        let o = try record.object(what)
        self.init(
            id: try RunID(parsing: o.string("id")),
            status: try o.enumeration("status"),
            currentStep: try o.integer("currentStep"),
            results: try .read(o.array("results"), what: "\(what).results"),
            steps: try .read(o.array("steps"), what: "\(what).steps"),
            candidate: try Candidate(record: o.value("candidate"), what: "\(what).candidate"),
            migratorUrl: try o.string("migratorUrl"),
            inputs: try o.stringMap("inputs"),
            createdAt: try o.timestamp("createdAt"),
            updatedAt: try o.timestamp("updatedAt"),
            finishedAt: try o.timestampIfPresent("finishedAt"),
            failureReason: try o.stringIfPresent("failureReason"),
            version: try o.integer("version"),
            generation: try o.integer("generation"),
            startedBy: try o.string("startedBy"),
            campaignId: try o.stringIfPresent("campaignId") ?? "",
            timerDueAt: try o.timestampIfPresent("timerDueAt")
        )
    }
}

extension StepResult: StoredRecord {
    func write(to writer: inout RecordJSONWriter) {
        writer.object { o in
            o.string("stepName", stepName)
            o.string("status", status.rawValue)
            o.stringMap("metadata", metadata)
            o.integer("attempt", attempt)
            o.timestamp("startedAt", startedAt)
            o.timestamp("updatedAt", updatedAt)
            o.timestamp("finishedAt", ifPresent: finishedAt)
            o.string("failureReason", ifPresent: failureReason)
            o.integer("dispatchCount", dispatchCount)
            o.string("phase", phase)
            o.string("dispatch", dispatch.rawValue)
            o.string("lastDispatchError", ifPresent: lastDispatchError)
            o.timestamp("deadlineAt", ifPresent: deadlineAt)
            o.timestamp("statusCheckAt", ifPresent: statusCheckAt)
            o.timestamp("stalledSince", ifPresent: stalledSince)
        }
    }

    init(record: RecordJSONValue, what: String) throws {
        let o = try record.object(what)
        self.init(stepName: try o.string("stepName"), attempt: try o.integer("attempt"), at: .epoch)
        status = try o.enumeration("status")
        metadata = try o.stringMap("metadata")
        startedAt = try o.timestamp("startedAt")
        updatedAt = try o.timestamp("updatedAt")
        finishedAt = try o.timestampIfPresent("finishedAt")
        failureReason = try o.stringIfPresent("failureReason")
        dispatchCount = try o.integer("dispatchCount")
        phase = try o.string("phase")
        dispatch = try o.enumeration("dispatch")
        lastDispatchError = try o.stringIfPresent("lastDispatchError")
        deadlineAt = try o.timestampIfPresent("deadlineAt")
        statusCheckAt = try o.timestampIfPresent("statusCheckAt")
        stalledSince = try o.timestampIfPresent("stalledSince")
    }
}

extension StepDefinition: StoredRecord {
    func write(to writer: inout RecordJSONWriter) {
        writer.object { o in
            o.string("name", name)
            o.string("migratorApp", migratorApp)
            o.string("description", description)
            o.string("type", type)
            o.stringMap("config", config)
        }
    }

    init(record: RecordJSONValue, what: String) throws {
        let o = try record.object(what)
        self.init(
            name: try o.string("name"), migratorApp: try o.string("migratorApp"), description: try o.string("description"),
            type: try o.string("type"), config: try o.stringMap("config"))
    }
}

extension InputDefinition: StoredRecord {
    func write(to writer: inout RecordJSONWriter) {
        writer.object { o in
            o.string("name", name)
            o.string("label", label)
        }
    }

    init(record: RecordJSONValue, what: String) throws {
        let o = try record.object(what)
        self.init(name: try o.string("name"), label: try o.string("label"))
    }
}

extension Candidate: StoredRecord {
    func write(to writer: inout RecordJSONWriter) {
        writer.object { o in
            o.string("id", id)
            o.string("kind", kind)
            o.stringMap("metadata", metadata)
            o.member("files") { $0.records(files) }
            o.string("status", status.rawValue)
            o.member("steps") { writer in writer.array(steps) { $0.string($1) } }
            o.stringMap("inputs", inputs)
        }
    }

    init(record: RecordJSONValue, what: String) throws {
        let o = try record.object(what)
        self.init(
            id: try o.string("id"), kind: try o.string("kind"), metadata: try o.stringMap("metadata"),
            files: try .read(o.array("files"), what: "\(what).files"), status: try o.enumeration("status"),
            // Absent in records written before per-candidate steps and inputs existed.
            steps: try o.optional("steps").map { value throws(RecordJSONError) in
                try value.array("\(what).steps").map { element throws(RecordJSONError) in try element.string("\(what).steps[]") }
            } ?? [],
            inputs: try o.optional("inputs").map { value throws(RecordJSONError) in try value.stringMap("\(what).inputs") } ?? [:])
    }
}

extension FileGroup: StoredRecord {
    func write(to writer: inout RecordJSONWriter) {
        writer.object { o in
            o.string("name", name)
            o.string("repo", repo)
            o.member("files") { $0.records(files) }
        }
    }

    init(record: RecordJSONValue, what: String) throws {
        let o = try record.object(what)
        self.init(name: try o.string("name"), repo: try o.string("repo"), files: try .read(o.array("files"), what: "\(what).files"))
    }
}

extension FileRef: StoredRecord {
    func write(to writer: inout RecordJSONWriter) {
        writer.object { o in
            o.string("path", path)
            o.string("url", url)
        }
    }

    init(record: RecordJSONValue, what: String) throws {
        let o = try record.object(what)
        self.init(path: try o.string("path"), url: try o.string("url"))
    }
}

extension HistoryEntry: StoredRecord {
    func write(to writer: inout RecordJSONWriter) {
        writer.object { o in
            o.string("id", id)
            o.timestamp("at", at)
            o.string("kind", kind.rawValue)
            o.string("stepName", stepName)
            o.integer("attempt", attempt)
            o.string("stepStatus", ifPresent: stepStatus?.rawValue)
            o.string("runStatus", runStatus.rawValue)
            o.string("detail", detail)
            o.integer("generation", generation)
            o.integer("runVersion", runVersion)
        }
    }

    init(record: RecordJSONValue, what: String) throws {
        let o = try record.object(what)
        self.init(
            id: try o.string("id"), at: try o.timestamp("at"), kind: try o.enumeration("kind"),
            stepName: try o.string("stepName"), attempt: try o.integer("attempt"),
            stepStatus: try o.optional("stepStatus").map { try $0.enumeration("\(what).stepStatus") },
            runStatus: try o.enumeration("runStatus"), detail: try o.string("detail"), generation: try o.integer("generation"),
            runVersion: try o.integerIfPresent("runVersion") ?? 0)
    }
}

extension RedisStoreCodec {
    /// A candidate's operator inputs, stored apart from the candidate: a JSON object.
    struct Inputs: Hashable {
        var values: [String: String]
    }
}

extension RedisStoreCodec.Inputs: StoredRecord {
    func write(to writer: inout RecordJSONWriter) { writer.stringMap(values) }

    init(record: RecordJSONValue, what: String) throws {
        self.init(values: try record.stringMap(what))
    }
}

extension RedisStoreCodec.Definition: StoredRecord {
    func write(to writer: inout RecordJSONWriter) {
        writer.object { o in
            o.string("name", name)
            o.string("description", description)
            o.string("migratorUrl", migratorUrl)
            o.member("requiredInputs") { $0.records(requiredInputs) }
            o.member("steps") { $0.records(steps) }
        }
    }

    init(record: RecordJSONValue, what: String) throws {
        let o = try record.object(what)
        self.init(
            name: try o.string("name"), description: try o.string("description"), migratorUrl: try o.string("migratorUrl"),
            requiredInputs: try .read(o.array("requiredInputs"), what: "\(what).requiredInputs"),
            steps: try .read(o.array("steps"), what: "\(what).steps"))
    }
}
