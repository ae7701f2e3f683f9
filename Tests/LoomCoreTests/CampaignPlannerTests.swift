import LoomCore
import Testing

@Suite("Campaign pacing, budget and counts")
struct CampaignPlannerTests {
    let pacing = CampaignPacing(maxInFlight: 50, maxStartsPerMinute: 200)
    let noBudget = FailureBudget()
    let t0 = Timestamp(unixMilliseconds: 1_700_000_000_000)

    func decide(
        _ counts: CampaignCounts, state: CampaignState = .running, pacing: CampaignPacing? = nil,
        budget: FailureBudget? = nil, window: CampaignStartWindow = .empty
    ) -> CampaignDecision {
        CampaignPlanner.decide(state: state, counts: counts, pacing: pacing ?? self.pacing, budget: budget ?? noBudget, window: window)
    }

    @Test("a fresh campaign starts as many members as the cap allows, no more")
    func capBoundsTheFirstStarts() {
        #expect(decide(CampaignCounts(members: 5_000)) == .start(count: 50))
        #expect(decide(CampaignCounts(members: 7)) == .start(count: 7))
    }

    @Test("the cap counts running members: at the cap nothing starts, one under it one starts")
    func capAtTheLimit() {
        #expect(decide(CampaignCounts(pending: 100, running: 50)) == .wait(until: nil))
        #expect(decide(CampaignCounts(pending: 100, running: 49)) == .start(count: 1))
        // A lowered cap below the running count starts nothing (and never goes negative).
        let lowered = CampaignPacing(maxInFlight: 10, maxStartsPerMinute: 200)
        #expect(decide(CampaignCounts(pending: 100, running: 50), pacing: lowered) == .wait(until: nil))
    }

    @Test("the rate counts the last minute's starts: a full window waits until its oldest start is a minute old")
    func rateAtTheLimit() {
        let slow = CampaignPacing(maxInFlight: 500, maxStartsPerMinute: 10)
        let full = CampaignStartWindow(count: 10, oldest: t0)
        #expect(decide(CampaignCounts(members: 100), pacing: slow, window: full) == .wait(until: t0 + .seconds(60)))
        let oneLeft = CampaignStartWindow(count: 9, oldest: t0)
        #expect(decide(CampaignCounts(members: 100), pacing: slow, window: oneLeft) == .start(count: 1))
        #expect(decide(CampaignCounts(members: 100), pacing: slow) == .start(count: 10))
    }

    @Test("a spent budget pauses before anything starts; the absolute limit at and one under it")
    func absoluteBudget() {
        let budget = FailureBudget(maxFailures: 3)
        let under = decide(CampaignCounts(pending: 10, completed: 5, failed: 2), budget: budget)
        #expect(under == .start(count: 10))
        let at = decide(CampaignCounts(pending: 10, completed: 5, failed: 3), budget: budget)
        #expect(at == .pause(reason: "failure budget spent: 3 failed runs (limit 3)"))
    }

    @Test("the share limit is judged only after the minimum of finished members")
    func shareBudget() {
        let budget = FailureBudget(maxFailurePercent: 5, minimumFinished: 20)
        // 1 of 1 finished failed: 100 %, but too few finished to judge.
        #expect(decide(CampaignCounts(pending: 100, failed: 1), budget: budget) == .start(count: 50))
        // 1 of 20 finished: exactly 5 % — spent.
        let atLimit = decide(CampaignCounts(pending: 100, completed: 19, failed: 1), budget: budget)
        #expect(atLimit == .pause(reason: "failure budget spent: 1 of 20 finished runs failed (5.0 %, limit 5.0 %)"))
        // 1 of 21 finished: 4.8 % — not spent.
        #expect(decide(CampaignCounts(pending: 100, completed: 20, failed: 1), budget: budget) == .start(count: 50))
    }

    @Test("paused, cancelled and completed campaigns start nothing; a settled one completes")
    func states() {
        #expect(decide(CampaignCounts(members: 10), state: .paused) == .wait(until: nil))
        #expect(decide(CampaignCounts(members: 10), state: .cancelled) == .wait(until: nil))
        #expect(decide(CampaignCounts(members: 10), state: .completed) == .wait(until: nil))
        #expect(decide(CampaignCounts(completed: 8, failed: 1, skipped: 1)) == .complete)
        #expect(decide(CampaignCounts(completed: 8, failed: 2), state: .paused) == .complete)
        // The last runs are still going: wait for them.
        #expect(decide(CampaignCounts(running: 2, completed: 8)) == .wait(until: nil))
        // A spent budget with nothing left to start still completes rather than pausing.
        #expect(decide(CampaignCounts(completed: 1, failed: 9), budget: FailureBudget(maxFailures: 1)) == .complete)
    }

    @Test("pacing and budget limits: at each bound accepted, one past it refused with the field named")
    func validation() throws {
        try CampaignPacing(maxInFlight: 1, maxStartsPerMinute: 1).validate()
        try CampaignPacing(maxInFlight: CampaignPacing.inFlightLimit, maxStartsPerMinute: CampaignPacing.startsPerMinuteLimit).validate()
        #expect(throws: LoomError.invalidArgument("max_in_flight must be 1…10000, got 0")) {
            try CampaignPacing(maxInFlight: 0, maxStartsPerMinute: 1).validate()
        }
        #expect(throws: LoomError.invalidArgument("max_in_flight must be 1…10000, got 10001")) {
            try CampaignPacing(maxInFlight: 10_001, maxStartsPerMinute: 1).validate()
        }
        #expect(throws: LoomError.invalidArgument("max_starts_per_minute must be 1…100000, got 100001")) {
            try CampaignPacing(maxInFlight: 1, maxStartsPerMinute: 100_001).validate()
        }
        try FailureBudget(maxFailures: 1, maxFailurePercent: 100, minimumFinished: 1).validate()
        #expect(throws: LoomError.invalidArgument("max_failures must be at least 1, got 0")) {
            try FailureBudget(maxFailures: 0).validate()
        }
        #expect(throws: LoomError.invalidArgument("max_failure_percent must be in (0, 100], got 0.0")) {
            try FailureBudget(maxFailurePercent: 0).validate()
        }
        #expect(throws: LoomError.invalidArgument("max_failure_percent must be in (0, 100], got 100.5")) {
            try FailureBudget(maxFailurePercent: 100.5).validate()
        }
    }

    @Test("counts move one member at a time and always add up to the member count")
    func countsAddUp() {
        var counts = CampaignCounts(members: 3)
        counts.move(from: .pending, to: .running)
        counts.move(from: .pending, to: .skipped)
        counts.move(from: .running, to: .failed)
        counts.move(from: .failed, to: .running)
        counts.move(from: .running, to: .completed)
        counts.move(from: .completed, to: .completed)
        #expect(counts == CampaignCounts(pending: 1, completed: 1, skipped: 1))
        #expect(counts.total == 3)
        #expect(CampaignMemberStatus.allCases.filter(\.holdsPlace) == [.running])
        #expect(CampaignMemberStatus.allCases.filter { !$0.isSettled } == [.pending, .running])
    }
}
