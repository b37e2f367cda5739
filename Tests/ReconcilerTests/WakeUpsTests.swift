import Testing
@testable import Reconciler

/// The loop's one place to sleep: nothing fired is lost, and reasons that come together are
/// returned together.
@Suite struct WakeUpsTests {
    @Test func reasonsFiredWhileTheLoopIsBusyAreReturnedByItsNextWait() async {
        let wakeUps = WakeUps()
        wakeUps.fire(.inbox)
        wakeUps.fire(.nudge)
        let reasons = await wakeUps.next(until: nil)
        #expect(reasons == [.inbox, .nudge])
        #expect(reasons.pollsNow)
        #expect(wakeUps.take().isEmpty)
    }

    @Test func aWaitingLoopIsWokenByAFire() async {
        let wakeUps = WakeUps()
        // The loop waits without a deadline: only the fire can end the wait.
        async let reasons = wakeUps.next(until: nil)
        wakeUps.fire(.stop)
        #expect(await reasons.contains(.stop))
    }

    @Test func aDeadlineAlreadyPassedEndsTheWaitWithDeadline() async {
        let wakeUps = WakeUps()
        let reasons = await wakeUps.next(until: ContinuousClock.now.advanced(by: .seconds(-1)))
        #expect(reasons == [.deadline])
        #expect(!reasons.pollsNow)
    }

    @Test(arguments: [(WakeReasons.wakeUp, true), (.nudge, true), (.inbox, false), (.recorded, false), (.deadline, false), (.stop, false)])
    func onlyASignalOrANudgePollsBeforeTheInterval(reason: WakeReasons, polls: Bool) {
        #expect(reason.pollsNow == polls)
    }
}
