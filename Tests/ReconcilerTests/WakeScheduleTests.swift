import Engine
import Testing
@testable import Reconciler

/// When the loop sleeps to: the nearest deadline, engine deadlines scaled by a drill's
/// clock, never a spin, and no deadline at all when nothing is due.
@Suite struct WakeScheduleTests {
    let loopNow = Timestamp(milliseconds: 1_000_000)
    let engineNow = Timestamp(milliseconds: 1_800_000_000_000)

    @Test func nothingDueSleepsUntilWokenUp() {
        #expect(WakeSchedule().delay(loopNow: loopNow, engineNow: engineNow) == nil)
    }

    @Test func theNearestDeadlineWins() {
        var schedule = WakeSchedule()
        schedule.nextPoll = loopNow.adding(milliseconds: 2000)
        schedule.nextRescan = loopNow.adding(milliseconds: 30_000)
        schedule.nextDiscovery = loopNow.adding(milliseconds: 60_000)
        schedule.nextRetry = engineNow.adding(milliseconds: 30_000)
        #expect(schedule.delay(loopNow: loopNow, engineNow: engineNow) == 2000)
        schedule.nextDue = engineNow.adding(milliseconds: 750)
        #expect(schedule.delay(loopNow: loopNow, engineNow: engineNow) == 750)
    }

    @Test(arguments: [(1.0, Int64(60_000), Int64(60_000)), (60, 60_000, 1000), (60, 61, 2), (10_000, 3_600_000, 360)])
    func engineDeadlinesRunAsFastAsADrillsClock(scale: Double, engineMilliseconds: Int64, realMilliseconds: Int64) {
        var schedule = WakeSchedule(timeScale: scale)
        schedule.nextDue = engineNow.adding(milliseconds: engineMilliseconds)
        // Rounded up: a wake-up before the deadline would only find it not yet due.
        #expect(schedule.delay(loopNow: loopNow, engineNow: engineNow) == max(realMilliseconds, WakeSchedule.minimumMilliseconds))
    }

    @Test func aDeadlinePassedSleepsTheMinimumNotZero() {
        var schedule = WakeSchedule()
        schedule.nextDue = engineNow.adding(milliseconds: -5000)
        schedule.nextPoll = loopNow.adding(milliseconds: -1)
        #expect(schedule.delay(loopNow: loopNow, engineNow: engineNow) == WakeSchedule.minimumMilliseconds)
    }
}

extension WakeScheduleTests {
    @Test func changedMetricsHeldBackByTheOncePerSecondLimitAreADeadline() {
        var schedule = WakeSchedule()
        schedule.nextPoll = loopNow.adding(milliseconds: 2000)
        schedule.nextMetrics = loopNow.adding(milliseconds: 400)
        #expect(schedule.delay(loopNow: loopNow, engineNow: engineNow) == 400)
    }
}
