import Engine
import Policy
import Testing
import TestSupport
@testable import Reconciler

/// `metrics.prom` and the inventory files are written when what they show changes, never
/// because time passed.
@Suite struct StatusPublisherTests {
    @Test func metricsAreWrittenOnlyWhenTheyChange() {
        let state = TemporaryDirectory("publisher-metrics")
        var publisher = StatusPublisher(stateDirectory: state.path)
        var metrics = ReconcilerMetrics()
        metrics.policies = ["active": 5, "disabled": 2]
        do { let wrote = publisher.publish(metrics); #expect(wrote) }
        #expect(state.read("metrics.prom")?.contains("policyops_policies{status=\"active\"} 5") == true)
        do { let wrote = publisher.publish(metrics); #expect(!wrote) }
        metrics.eventsTotal += 1
        metrics.executionSeconds.observe(0.2)
        do { let wrote = publisher.publish(metrics); #expect(wrote) }
        let text = state.read("metrics.prom") ?? ""
        #expect(text.contains("policyops_events_total 1"))
        #expect(text.contains("policyops_execution_duration_seconds_bucket{le=\"0.25\"} 1"))
        #expect(text.contains("policyops_policies{status=\"invalid\"} 0"))
    }

    @Test func aMetricsFileRemovedIsNotWrittenAgainUntilSomethingChanges() {
        let state = TemporaryDirectory("publisher-unchanged")
        var publisher = StatusPublisher(stateDirectory: state.path)
        let metrics = ReconcilerMetrics(ready: true)
        do { let wrote = publisher.publish(metrics); #expect(wrote) }
        state.remove("metrics.prom")
        do { let wrote = publisher.publish(metrics); #expect(!wrote) }
        #expect(state.read("metrics.prom") == nil)
    }

    @Test func inventoriesAreWrittenPerHostWhenTheirContentChanges() {
        let state = TemporaryDirectory("publisher-inventory")
        var publisher = StatusPublisher(stateDirectory: state.path)
        let a: JSON = .object(["host_id": .string("a"), "targets": .array([])])
        do { let wrote = publisher.publish(inventory: a, host: "a"); #expect(wrote) }
        do { let wrote = publisher.publish(inventory: a, host: "a"); #expect(!wrote) }
        do { let wrote = publisher.publish(inventory: a, host: "b"); #expect(wrote) }
        do { let wrote = publisher.publish(inventory: .object(["host_id": .string("a"), "targets": .array([.string("vm:1")])]), host: "a"); #expect(wrote) }
        #expect(state.read("inventory/a.json")?.contains("vm:1") == true)
    }
}
