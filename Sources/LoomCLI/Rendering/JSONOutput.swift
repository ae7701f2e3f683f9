import Foundation
import LoomProto

/// The `--json` shapes of loomctl's output: camelCase keys named after the proto fields (`migrationId`,
/// `createdAtUnixMs`, …), enums as the REST contract's lower snake strings (`waiting_retry`, `awaiting_review`),
/// timestamps as Unix epoch milliseconds (0 = unset), every field always present except the optional messages
/// `candidate` (of a run) and `entry` (of a watch update), which are omitted when absent. Keys are sorted.
///
/// `migrations list`, `candidates list` and `run history` print a bare JSON array (of ``Migration``,
/// ``Candidate``, ``HistoryEntry``), as the REST contract's list endpoints do, and so do `campaign list` and
/// `campaign members` (of ``Campaign``, ``CampaignMember``); `run watch` and `campaign watch` print one compact
/// object per line; the other commands print one object.
public enum JSONOutput {
    /// A file reference.
    public struct FileRef: Encodable, Hashable, Sendable {
        var path: String
        var url: String
    }

    /// A group of files.
    public struct FileGroup: Encodable, Hashable, Sendable {
        var name: String
        var repo: String
        var files: [FileRef]
    }

    /// A candidate with its status.
    public struct Candidate: Encodable, Hashable, Sendable {
        var id: String
        var kind: String
        var metadata: [String: String]
        var files: [FileGroup]
        var status: String
        var steps: [String]
        var inputs: [String: String]
    }

    /// An operator input definition.
    public struct InputDefinition: Encodable, Hashable, Sendable {
        var name: String
        var label: String
    }

    /// A step definition.
    public struct StepDefinition: Encodable, Hashable, Sendable {
        var name: String
        var migratorApp: String
        var description: String
        var type: String
        var config: [String: String]
    }

    /// A migration.
    public struct Migration: Encodable, Hashable, Sendable {
        var id: String
        var name: String
        var description: String
        var migratorUrl: String
        var requiredInputs: [InputDefinition]
        var steps: [StepDefinition]
        var createdAtUnixMs: Int64
        var updatedAtUnixMs: Int64
        var owner: String
        var counts: Counts?
    }

    /// The outcome of one step of a run (the candidate snapshot is on the run, not repeated here).
    public struct StepResult: Encodable, Hashable, Sendable {
        var stepName: String
        var status: String
        var metadata: [String: String]
        var attempt: UInt32
        var startedAtUnixMs: Int64
        var updatedAtUnixMs: Int64
        var finishedAtUnixMs: Int64
        var failureReason: String
        var dispatchCount: UInt32
        var phase: String
    }

    /// A run.
    public struct Run: Encodable, Hashable, Sendable {
        var id: String
        var migrationId: String
        var candidateId: String
        var status: String
        var currentStep: UInt32
        var results: [StepResult]
        var steps: [StepDefinition]
        var candidate: Candidate?
        var migratorUrl: String
        var inputs: [String: String]
        var createdAtUnixMs: Int64
        var updatedAtUnixMs: Int64
        var finishedAtUnixMs: Int64
        var failureReason: String
        var version: UInt64
        var generation: UInt32
        var startedBy: String
        var stalledSinceUnixMs: Int64
    }

    /// One history entry.
    public struct HistoryEntry: Encodable, Hashable, Sendable {
        var id: String
        var atUnixMs: Int64
        var kind: String
        var stepName: String
        var attempt: UInt32
        var stepStatus: String
        var runStatus: String
        var detail: String
        var generation: UInt32
    }

    /// One file change of a dry run, with its unified diff (`diff`, lines joined by `\n`, no colours).
    public struct FileDiff: Encodable, Hashable, Sendable {
        var path: String
        var repo: String
        var status: String
        var before: String
        var after: String
        var diff: String
    }

    /// What one step of a dry run would do.
    public struct StepDryRun: Encodable, Hashable, Sendable {
        var stepName: String
        var skipped: Bool
        var error: String
        var files: [FileDiff]
    }

    /// `{"steps": [...]}`
    public struct DryRun: Encodable, Hashable, Sendable { var steps: [StepDryRun] }
    /// `{"accepted": N, "skippedIds": [...]}`
    public struct SubmitResult: Encodable, Hashable, Sendable {
        var accepted: UInt32
        var skippedIds: [String]
        var rejected: [Rejected]
    }
    /// A refused candidate: `{"id": "…", "reason": "…"}`.
    public struct Rejected: Encodable, Hashable, Sendable {
        var id: String
        var reason: String
    }
    /// `{"status": "event raised", "run": {...}}` (approve / reject).
    public struct EventResult: Encodable, Hashable, Sendable {
        var status: String
        var run: Run?
    }
    /// One line of `run watch --json`: `{"run": {...}, "entries": [...], "entry": {...}}`; `entries` are the
    /// transitions since the previous line (each exactly once), `entry` the newest of them.
    public struct WatchUpdate: Encodable, Hashable, Sendable {
        var run: Run?
        var entry: HistoryEntry?
        var entries: [HistoryEntry]
    }

    /// Encodes `value` as sorted-key JSON, pretty-printed unless `compact` (one line, for streams).
    public static func encode(_ value: some Encodable, compact: Bool = false) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = compact ? [.sortedKeys, .withoutEscapingSlashes] : [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            // These shapes hold only strings, integers, booleans, arrays and string maps: encoding cannot fail.
            preconditionFailure("JSON encoding of loomctl output failed: \(error)")
        }
    }
}

extension JSONOutput {
    static func fileGroup(_ group: LoomProto.FileGroup) -> FileGroup {
        FileGroup(name: group.name, repo: group.repo, files: group.files.map { FileRef(path: $0.path, url: $0.url) })
    }

    static func candidate(_ candidate: LoomProto.Candidate) -> Candidate {
        let status = candidate.status == .unspecified ? CandidateStatus.notStarted : candidate.status
        return Candidate(
            id: candidate.id,
            kind: candidate.kind,
            metadata: candidate.metadata,
            files: candidate.files.map(fileGroup),
            status: status.cliName,
            steps: candidate.steps,
            inputs: candidate.inputs
        )
    }

    static func step(_ step: LoomProto.StepDefinition) -> StepDefinition {
        StepDefinition(name: step.name, migratorApp: step.migratorApp, description: step.description, type: step.type, config: step.config)
    }

    static func migration(_ migration: LoomProto.Migration) -> Migration {
        Migration(
            id: migration.id,
            name: migration.name,
            description: migration.description,
            migratorUrl: migration.migratorURL,
            requiredInputs: migration.requiredInputs.map { InputDefinition(name: $0.name, label: $0.label) },
            steps: migration.steps.map(step),
            createdAtUnixMs: migration.createdAtUnixMs,
            updatedAtUnixMs: migration.updatedAtUnixMs,
            owner: migration.owner,
            counts: migration.counts.map(counts)
        )
    }

    static func stepResult(_ result: LoomProto.StepResult) -> StepResult {
        StepResult(
            stepName: result.stepName,
            status: result.status.cliName,
            metadata: result.metadata,
            attempt: result.attempt,
            startedAtUnixMs: result.startedAtUnixMs,
            updatedAtUnixMs: result.updatedAtUnixMs,
            finishedAtUnixMs: result.finishedAtUnixMs,
            failureReason: result.failureReason,
            dispatchCount: result.dispatchCount,
            phase: result.phase
        )
    }

    static func run(_ run: LoomProto.Run) -> Run {
        Run(
            id: run.id,
            migrationId: run.migrationID,
            candidateId: run.candidateID,
            status: run.status.cliName,
            currentStep: run.currentStep,
            results: run.results.map(stepResult),
            steps: run.steps.map(step),
            candidate: run.candidate.map(candidate),
            migratorUrl: run.migratorURL,
            inputs: run.inputs,
            createdAtUnixMs: run.createdAtUnixMs,
            updatedAtUnixMs: run.updatedAtUnixMs,
            finishedAtUnixMs: run.finishedAtUnixMs,
            failureReason: run.failureReason,
            version: run.version,
            generation: run.generation,
            startedBy: run.startedBy,
            stalledSinceUnixMs: run.stalledSinceUnixMs
        )
    }

    static func historyEntry(_ entry: LoomProto.HistoryEntry) -> HistoryEntry {
        HistoryEntry(
            id: entry.id,
            atUnixMs: entry.atUnixMs,
            kind: entry.kind.cliName,
            stepName: entry.stepName,
            attempt: entry.attempt,
            stepStatus: entry.stepStatus.cliName,
            runStatus: entry.runStatus.cliName,
            detail: entry.detail,
            generation: entry.generation
        )
    }

    static func dryRun(_ result: DryRunResult) -> DryRun {
        DryRun(
            steps: result.steps.map { step in
                StepDryRun(
                    stepName: step.stepName,
                    skipped: step.skipped,
                    error: step.error,
                    files: step.files.map { file in
                        let names = DryRunRenderer.diffNames(file)
                        let diff = UnifiedDiff.render(old: file.before, new: file.after, oldName: names.old, newName: names.new)
                        return FileDiff(
                            path: file.path,
                            repo: file.repo,
                            status: file.status.cliName,
                            before: file.before,
                            after: file.after,
                            diff: diff.joined(separator: "\n")
                        )
                    }
                )
            }
        )
    }
}
