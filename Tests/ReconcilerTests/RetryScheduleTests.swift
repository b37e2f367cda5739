import Engine
import Testing
@testable import Reconciler

/// Disabled policies are dry-run again every `--retry` on the engine's clock (a manual one
/// here), and a policy dry-run within the interval already waits for the next round.
@Suite struct RetryScheduleTests {
    @Test func aRoundEveryIntervalWhilePoliciesAreDisabled() {
        let clock = ManualClock()
        var retries = RetrySchedule(interval: 30)
        #expect(retries.round(disabled: [String](), at: clock.now()) == nil)
        #expect(retries.nextRound(now: clock.now()) == clock.now())
        #expect(retries.round(disabled: ["b", "a"], at: clock.now()) == ["a", "b"])
        let first = clock.now()
        #expect(retries.nextRound(now: clock.now()) == first.adding(seconds: 30))
        clock.advance(seconds: 29)
        #expect(retries.round(disabled: ["a"], at: clock.now()) == nil)
        clock.advance(seconds: 1)
        #expect(retries.round(disabled: ["a"], at: clock.now()) == ["a"])
    }

    @Test func aPolicyDryRunWithinTheIntervalWaitsForTheNextRound() {
        let clock = ManualClock()
        var retries = RetrySchedule(interval: 30)
        // Dry-run on apply 10 s before the round.
        retries.dryRan(["a"], at: clock.now())
        clock.advance(seconds: 10)
        #expect(retries.round(disabled: ["a", "b"], at: clock.now()) == ["b"])
        clock.advance(seconds: 30)
        #expect(retries.round(disabled: ["a", "b"], at: clock.now()) == ["a", "b"])
    }

    @Test func policiesGoneFromTheSetAreForgotten() {
        var retries = RetrySchedule(interval: 30)
        let now = Timestamp(milliseconds: 1_800_000_000_000)
        retries.dryRan(["a", "b"], at: now)
        retries.keep { $0 == "b" }
        #expect(retries.lastDryRun.keys.sorted() == ["b"])
    }
}
