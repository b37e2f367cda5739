/// The process's signals as wake-ups of the loop: SIGHUP polls the branch now, SIGTERM and
/// SIGINT stop. Ends when the signal stream does or its task is cancelled.
struct SignalIntake: Service {
    let signals: any ReconcilerSignals
    let wakeUps: WakeUps

    func run() async {
        for await signal in signals.events {
            switch signal {
            case .stop: wakeUps.fire(.stop)
            case .wakeUp: wakeUps.fire(.wakeUp)
            }
        }
    }

    /// The stream's iteration ends on cancellation: nothing more to do.
    func shutdown() {}
}
