import Foundation
import Testing
@testable import NUT

/// The pause of a UPS's polling thread: as long as asked on the monotonic clock, and cut
/// short at once by a stop.
@Suite struct WakeSignalTests {
    @Test func aPauseLastsItsTimeOnTheMonotonicClock() {
        let wake = WakeSignal()
        let start = monotonicMilliseconds()
        #expect(wake.pause(0.2) == false)
        #expect(monotonicMilliseconds() - start >= 200)
    }

    @Test func aSignalCutsThePauseShortAndEveryLaterOne() {
        let wake = WakeSignal()
        let start = monotonicMilliseconds()
        Thread.detachNewThread { Thread.sleep(forTimeInterval: 0.1); wake.signal() }
        #expect(wake.pause(30) == true)
        #expect(monotonicMilliseconds() - start < 20_000)
        #expect(wake.pause(30) == true, "stopped stays stopped")
    }
}
