import LoomProto

/// Sample messages: for every message type one value with every field set to a
/// non-default value (checked by a test), built from a few shared parts.
enum Samples {
    /// Text that exercises UTF-8: accents, CJK, right-to-left, combining marks, emoji with
    /// joiners and skin tones, a 4-byte scalar, quotes, backslashes and control characters.
    static let unicode = "café – 日本語 – שלום – e\u{301} – 👩🏽‍💻🧵 – 𝄞 – \"q\" \\ \n\t"

    static let fileRef = FileRef(path: "charts/app/values-prod.yaml", url: "https://git.example/app/blob/main/values.yaml")

    static let fileGroup = FileGroup(name: "prod", repo: "billing-api", files: [fileRef, FileRef(path: "README.md", url: unicode)])

    static func candidate(_ index: Int = 0) -> Candidate {
        Candidate(
            id: "billing-api-\(index)",
            kind: "application",
            metadata: ["team": "payments", "repoName": "billing-api-\(index)", "note": unicode, "empty": ""],
            files: [fileGroup, FileGroup(name: "base", repo: "platform", files: [FileRef(path: "base.yaml", url: "u")])],
            status: .running,
            steps: ["swap-chart", "review"],
            inputs: ["repoName": "billing-api-\(index)", "ticket": unicode, "empty": ""]
        )
    }

    static let stepDefinition = StepDefinition(
        name: "swap-chart",
        migratorApp: "chart-migrator",
        description: "Swap the chart to the new base",
        type: "swap-chart",
        config: ["loom.timeout_seconds": "600", "chart": "base/v2", unicode: unicode]
    )

    static let inputDefinition = InputDefinition(name: "repoName", label: "Repository ✓")

    static let stepCounts = StepCounts(stepName: "swap-chart", inProgress: 3, open: 2, awaitingReview: 1, failed: UInt64.max)

    static let migrationCounts = MigrationCounts(
        candidatesNotStarted: 99_990,
        candidatesRunning: 7,
        candidatesCompleted: 3,
        runsRunning: 6,
        runsWaitingRetry: 1,
        runsCompleted: 3,
        runsCancelled: 2,
        runsFailed: UInt64.max,
        steps: [stepCounts, StepCounts(stepName: "review", awaitingReview: 4), StepCounts(stepName: "retired-step", failed: 1)]
    )

    /// A realistic migration with `candidates` candidates.
    static func migration(candidates count: Int = 3) -> Migration {
        Migration(
            id: "app-chart-migration",
            name: "App chart migration",
            description: unicode,
            migratorURL: "https://migrator.internal:8443",
            requiredInputs: [inputDefinition, InputDefinition(name: "ticket", label: "Ticket")],
            candidates: (0..<count).map(candidate),
            steps: [stepDefinition, StepDefinition(name: "review", migratorApp: "chart-migrator", type: "manual-review")],
            createdAtUnixMs: 1_764_400_000_000,
            updatedAtUnixMs: Int64.max,
            owner: "spiffe://example.org/migrator/charts",
            counts: migrationCounts
        )
    }

    static let stepResult = StepResult(
        stepName: "swap-chart",
        candidate: candidate(7),
        status: .awaitingReview,
        metadata: ["prUrl": "https://git.example/pr/1", "phase": "open"],
        attempt: 2,
        startedAtUnixMs: 1_764_400_000_001,
        updatedAtUnixMs: 1_764_400_000_002,
        finishedAtUnixMs: -1,
        failureReason: "timed out after 600 s",
        dispatchCount: UInt32.max,
        phase: "awaiting_review"
    )

    static let run = Run(
        id: "app-chart-migration__billing-api-7",
        migrationID: "app-chart-migration",
        candidateID: "billing-api-7",
        status: .waitingRetry,
        currentStep: 1,
        results: [stepResult, StepResult(stepName: "review", status: .failed)],
        steps: [stepDefinition],
        candidate: candidate(7),
        migratorURL: "https://migrator.internal:8443",
        inputs: ["repoName": "billing", "ticket": "OPS-1"],
        createdAtUnixMs: 1,
        updatedAtUnixMs: 2,
        finishedAtUnixMs: 3,
        failureReason: unicode,
        version: UInt64.max,
        generation: 3,
        startedBy: "spiffe://example.org/operator/alice",
        stalledSinceUnixMs: 1_764_400_000_000
    )

    static let historyEntry = HistoryEntry(
        id: "1764400000000-0",
        atUnixMs: Int64.min,
        kind: .stepTimedOut,
        stepName: "swap-chart",
        attempt: 2,
        stepStatus: .failed,
        runStatus: .waitingRetry,
        detail: unicode,
        generation: 1,
        runVersion: UInt64.max
    )

    static let rejectedCandidate = RejectedCandidate(id: "org/" + String(repeating: "x", count: 252), reason: unicode)

    static let fileDiff = FileDiff(path: "values.yaml", repo: "billing-api", before: "a: 1\n", after: unicode, status: .modified)

    static let stepDryRunResult = StepDryRunResult(
        stepName: "swap-chart",
        skipped: true,
        error: "handler failed",
        files: [fileDiff, FileDiff(path: "new.yaml", after: "x", status: .new)]
    )

    static let stepEvent = StepEvent(
        stepName: "swap-chart",
        candidateID: "billing-api-7",
        success: true,
        phase: "merged",
        metadata: ["prUrl": "https://git.example/pr/1"],
        failureReason: "none"
    )

    /// One fully populated value of every message type of the contract.
    static let all: [any LoomMessage] = [
        inputDefinition,
        stepDefinition,
        fileRef,
        fileGroup,
        candidate(),
        migration(),
        migrationCounts,
        stepCounts,
        stepResult,
        run,
        historyEntry,
        fileDiff,
        stepDryRunResult,
        DryRunResult(steps: [stepDryRunResult, StepDryRunResult(stepName: "review")]),
        stepEvent,
        campaignCounts,
        campaign,
        campaignMember,
        campaignEvent,
        CampaignMemberInputs(candidateID: "org/billing-api", inputs: ["repoName": "billing", "ticket": unicode]),
        AnnounceRequest(migration: migration()),
        AnnounceResponse(
            migration: migration(),
            rejectedCandidates: [rejectedCandidate, RejectedCandidate(id: "bad id", reason: "id: must not contain spaces")]
        ),
        rejectedCandidate,
        ListMigrationsRequest(pageSize: 1000, pageToken: "next:abc"),
        ListMigrationsResponse(migrations: [migration(candidates: 0), Migration(id: "other")], nextPageToken: "t"),
        GetMigrationRequest(migrationID: "app-chart-migration"),
        SubmitCandidatesRequest(migrationID: "app-chart-migration", candidates: [candidate(1), candidate(2)]),
        SubmitCandidatesResponse(
            accepted: 2,
            skippedIDs: ["a", unicode, "c"],
            rejected: [RejectedCandidate(id: "", reason: "id: must not be empty"), rejectedCandidate]
        ),
        UpdateCandidateInputsRequest(
            migrationID: "app-chart-migration",
            candidateID: "org/billing-api",
            inputs: ["repoName": "billing", "ticket": unicode]
        ),
        ListCandidatesRequest(
            migrationID: "app-chart-migration",
            pageSize: 1000,
            pageToken: "next:billing-api-1",
            status: .notStarted,
            kind: "application",
            idPrefix: "org/billing-",
            metadata: ["team": "payments", unicode: unicode, "empty": ""]
        ),
        ListCandidatesResponse(candidates: [candidate(1)], nextPageToken: "next:billing-api-1"),
        ListRunsRequest(
            migrationID: "app-chart-migration",
            status: .waitingRetry,
            stepName: "swap-chart",
            stepStatus: .failed,
            updatedAfterUnixMs: 1_764_400_000_000,
            updatedBeforeUnixMs: Int64.max,
            pageSize: 50,
            pageToken: "snapshot:1764400000000:50",
            stalled: true
        ),
        ListRunsResponse(runs: [run, Run(id: "m__c", status: .completed)], nextPageToken: "snapshot:1764400000000:52"),
        RecountMigrationRequest(migrationID: "app-chart-migration", repair: true),
        RecountMigrationResponse(
            stored: migrationCounts,
            recounted: MigrationCounts(candidatesRunning: 6, runsRunning: 5, steps: [stepCounts]),
            drift: ["runs_running: stored 6, recounted 5", unicode],
            repaired: true
        ),
        StartRunRequest(migrationID: "m", candidateID: "c", inputs: ["repoName": "billing"]),
        CancelRunRequest(migrationID: "m", candidateID: "c", reason: unicode, failed: true),
        RetryStepRequest(migrationID: "m", candidateID: "c", stepName: "swap-chart"),
        GetRunRequest(migrationID: "m", candidateID: "c"),
        GetRunHistoryRequest(migrationID: "m", candidateID: "c", limit: 50),
        GetRunHistoryResponse(entries: [historyEntry, HistoryEntry(id: "2", kind: .runCompleted)]),
        DryRunRequest(migrationID: "m", candidateID: "c", inputs: ["repoName": "x"], candidate: candidate(3)),
        ReportStepEventRequest(runID: "m__c", callbackToken: "token.sig", event: stepEvent),
        ReportStepEventResponse(status: "event raised", run: run),
        WatchRunRequest(migrationID: "m", candidateID: "c", fromVersion: 41),
        RunUpdate(run: run, entry: historyEntry, entries: [HistoryEntry(id: "1", kind: .stepFailed, runVersion: 42), historyEntry]),
        WatchMigrationRequest(migrationID: "app-chart-migration"),
        MigrationUpdate(counts: migrationCounts, runs: [run, Run(id: "m__c", status: .completed)], truncated: true),
        createCampaignRequest,
        CreateCampaignResponse(campaign: campaign, members: [campaignMember, CampaignMember(candidateID: "org/b")], memberCount: 100_000),
        GetCampaignRequest(campaignID: "c-0123456789ab"),
        ListCampaignsRequest(migrationID: "app-chart-migration", pageSize: 1000, pageToken: "p1.abc.def"),
        ListCampaignsResponse(campaigns: [campaign, Campaign(id: "c2", state: .completed)], nextPageToken: "p1.next"),
        ListCampaignMembersRequest(campaignID: "c1", status: .failed, pageSize: 50, pageToken: "p1.members"),
        ListCampaignMembersResponse(members: [campaignMember], nextPageToken: "p1.more"),
        GetCampaignHistoryRequest(campaignID: "c1", limit: 1000),
        GetCampaignHistoryResponse(events: [campaignEvent, CampaignEvent(kind: .created)]),
        PauseCampaignRequest(campaignID: "c1", reason: unicode),
        ResumeCampaignRequest(campaignID: "c1"),
        UpdateCampaignRequest(
            campaignID: "c1", maxInFlight: 10_000, maxStartsPerMinute: 100_000, updateBudget: true, maxFailures: UInt32.max,
            maxFailurePercent: 0.1, minimumFinished: 1),
        CancelCampaignRequest(campaignID: "c1", cancelRuns: true),
        CancelCampaignResponse(campaign: campaign, runsCancelled: 40),
        WatchCampaignRequest(campaignID: "c-0123456789ab"),
        CampaignUpdate(campaign: campaign),
    ]

    static let campaignCounts = CampaignCounts(pending: 1, running: 2, completed: 3, failed: 4, skipped: 5, cancelled: UInt64.max)

    static let campaign = Campaign(
        id: "c-0123456789ab", migrationID: "app-chart-migration", description: unicode, createdBy: "spiffe://loom.dev/operator/alice",
        createdAtUnixMs: 1_764_400_000_000, updatedAtUnixMs: Int64.max, state: .paused,
        stateReason: "failure budget spent: 5 of 20 finished runs failed (25.0 %, limit 12.5 %)", maxInFlight: 50,
        maxStartsPerMinute: 200, maxFailures: 5, maxFailurePercent: 12.5, minimumFinished: 20, inputs: ["ticket": "OPS-1", unicode: unicode],
        explicitCandidates: true, filterStatus: .notStarted, filterKind: "application", filterIDPrefix: "org/",
        filterMetadata: ["team": "payments", "empty": ""], counts: campaignCounts, version: 42)

    static let campaignMember = CampaignMember(
        candidateID: "org/billing-api", inputs: ["repoName": "billing"], status: .skipped, startedAtUnixMs: 1_764_400_000_000,
        runGeneration: 3, note: "a run is already active (started by hand)")

    static let campaignEvent = CampaignEvent(
        atUnixMs: 1_764_400_000_000, kind: .budgetSpent, by: "spiffe://loom.dev/operator/alice", detail: unicode)

    static let createCampaignRequest = CreateCampaignRequest(
        campaignID: "c-0123456789ab", migrationID: "app-chart-migration", description: unicode, candidateIDs: ["org/a", "org/b", unicode],
        status: .notStarted, kind: "application", idPrefix: "org/", metadata: ["team": "payments"], inputs: ["ticket": "OPS-1"],
        memberInputs: [CampaignMemberInputs(candidateID: "org/a", inputs: ["repoName": "a"]), CampaignMemberInputs(candidateID: "org/b")],
        maxInFlight: 50, maxStartsPerMinute: 200, maxFailures: 5, maxFailurePercent: 2.5, minimumFinished: 10, preview: true)
}
