/// A long-running part of the reconciler, in the shape of swift-service-lifecycle's
/// `Service`: `run()` does its one job until `shutdown()` asks it to finish, and returns
/// once it has. `ServiceGroup` runs several and shuts them down together.
protocol Service: Sendable {
    /// Does the service's job; returns when it has stopped.
    func run() async
    /// Asks `run()` to finish what it does and return (a graceful shutdown). Called once,
    /// from any task; a service that ends on task cancellation alone does nothing here.
    func shutdown()
}

/// Services run side by side, each in a child task; cancelling the task that runs the
/// group shuts every service down gracefully, and `run()` returns when all have stopped.
struct ServiceGroup: Sendable {
    /// The services, started in this order.
    let services: [any Service]

    init(_ services: [any Service]) { self.services = services }

    /// Runs every service until all have returned.
    func run() async {
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                for service in services { group.addTask { await service.run() } }
            }
        } onCancel: {
            for service in services { service.shutdown() }
        }
    }
}
