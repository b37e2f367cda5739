// In-process micro-benchmarks, run by bench/run.py. Each prints one JSON object with the
// figure and its floor measured in the same run.
//
//   policyops-bench compile-spec FILE [ITERATIONS]
//   policyops-bench engine-throughput REPO_DIR [EVENTS]
//   policyops-bench ledger-appends DIR [RECORDS] [WRITERS]
//   policyops-bench compile-phases GIT_REPO [ROUNDS]
//
// engine-throughput also reads BENCH_DECIDE_ONLY (decide only, keeping the outcomes, for a
// profiler) and BENCH_DUMP=FILE (append every record, to compare runs).
import Dispatch
import Foundation
import Drivers
import Engine
import Git
import Hashing
import Policy
import PolicyRepository
import Store

func nanoseconds(_ body: () -> Void) -> UInt64 {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return DispatchTime.now().uptimeNanoseconds - start
}

func percentile(_ values: [UInt64], _ p: Double) -> UInt64 {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

/// CPU time of the whole process (every thread), for figures that a busy machine's stolen
/// time does not inflate.
func cpuNanoseconds() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

/// Read, validate, normalize, hash and build the IR of one spec, beside reading it as JSON.
func compileSpec(_ args: [String]) {
    guard args.count >= 1, let data = FileManager.default.contents(atPath: args[0]) else { fail("usage: compile-spec FILE [ITERATIONS]") }
    let iterations = args.count > 1 ? Int(args[1]) ?? 5000 : 5000
    let bytes = [UInt8](data)
    var sink = 0
    var compile: [UInt64] = []
    var floor: [UInt64] = []
    for i in 0..<(iterations + iterations / 10) {
        let c = nanoseconds {
            let analysis = PolicyFileAnalysis.analyze(path: "policies/p.json", bytes: bytes)
            if let spec = analysis.spec, let hash = analysis.hash {
                let ir = StoredObject(CompiledPolicy(policyID: PolicyIdentity.policyID(path: "policies/p.json"), spec: spec, hash: hash, versionInt: 1).ir)
                sink &+= Int(ir.address.bytes[0])
            }
        }
        let f = nanoseconds {
            let result = JSONReader.read(bytes)
            sink &+= result.issues.count + (result.value == nil ? 0 : 1)
        }
        if i >= iterations / 10 {  // the first tenth warms up
            compile.append(c)
            floor.append(f)
        }
    }
    let median = percentile(compile, 0.5), floorMedian = percentile(floor, 0.5)
    print("{\"iterations\": \(iterations), \"bytes\": \(bytes.count), \"median_ns\": \(median), \"p90_ns\": \(percentile(compile, 0.9)), \"floor_median_ns\": \(floorMedian), \"ratio\": \(String(format: "%.2f", Double(median) / Double(max(floorMedian, 1)))), \"sink\": \(sink % 2)}")
}

/// Every host of the corpus is a simulated host in memory holding the targets its
/// policies name, so the engine's full path (shortlist, order, ALL/ANY, conditions,
/// windows, resolution, idempotency, dry-run, scheduling) runs without I/O.
struct InMemoryDrivers: DriverRegistry {
    let sim: SimulatedDriver
    func driver(for host: HostDeclaration) -> (any Driver)? { sim }
}

func engineThroughput(_ args: [String]) async {
    guard args.count >= 1 else { fail("usage: engine-throughput REPO_DIR [EVENTS]") }
    let events = args.count > 1 ? Int(args[1]) ?? 60 : 60
    let view = try! RepositoryView.open(args[0], requireGit: false)
    let compilation = SnapshotCompiler().compile(try! view.workingTreeSnapshot())
    let policies = compilation.policies.compactMap { e -> RuntimePolicy? in
        guard let spec = e.spec, let hash = e.hash else { return nil }
        return RuntimePolicy(path: e.path, compiled: CompiledPolicy(policyID: e.policyID, spec: spec, hash: hash, versionInt: 1), ir: hash.hex)
    }
    // Hosts become simulated hosts with every target their policies name.
    var targets: [String: [String: InventoryTarget]] = [:]
    for p in policies {
        let t = p.spec.targets
        for id in t.selector.staticIDs {
            let native = String(id.split(separator: ":", maxSplits: 1)[1])
            let n = Int(native.filter(\.isNumber)) ?? 0
            targets[t.hostID, default: [:]][id] = InventoryTarget(
                id: id, type: t.targetType, nativeID: native, name: (n % 3 == 0 ? "web-" : n % 3 == 1 ? "db-" : "ci-") + native,
                state: t.targetType == .poePort ? "on" : "running",
                labels: ["tier": n % 2 == 0 ? "web" : "db", "env": n % 5 == 0 ? "dev" : "prod"])
        }
    }
    let hosts = compilation.hosts.map { h -> HostDeclaration in
        var h = h
        h.driver = .sim
        h.connection = .sim(targets: (targets[h.id] ?? [:]).values.sorted { $0.id < $1.id }.map {
            SimulatedTarget(id: $0.id, targetType: $0.type, nativeID: $0.nativeID, name: $0.name, state: $0.state, labels: $0.labels)
        })
        return h
    }
    let simPolicies = policies.map { p -> RuntimePolicy in
        var compiled = p.compiled
        compiled.spec.actions = p.spec.actions.map { a in
            var a = a
            a.capabilityID = a.capabilityID.hasSuffix("poe.port") ? "sim.poe.port" : "sim.vm"
            if a.capabilityID == "sim.vm", !["start", "shutdown", "stop", "reset"].contains(a.verb) { a.verb = "reset" }
            if case .object(let members) = a.params { a.params = .object(members.filter { ["grace_s", "force", "confirm", "state"].contains($0.key) }) }
            return a
        }
        return RuntimePolicy(path: p.path, compiled: compiled, ir: p.ir)
    }
    let set = PolicySet(commit: "bench", policies: simPolicies, hosts: hosts, ups: [], timeZone: "UTC")
    let clock = ManualClock()
    let world = MemorySimulatedWorld(keepExecutions: false)
    let drivers = InMemoryDrivers(sim: SimulatedDriver(world: world, clock: clock))
    let engine = Engine(drivers: drivers, clock: clock)
    await engine.apply(set)
    let script: [(EventType, [String: String])] = [
        (.upsState, ["state": "on_battery"]), (.metric, ["load": "85", "charge_pct": "40", "runtime_s": "600", "input_voltage": "200"]),
        (.upsState, ["state": "low_battery"]), (.metric, ["load": "20", "charge_pct": "95", "runtime_s": "3000", "input_voltage": "240"]),
        (.upsState, ["state": "on_mains"]),
    ]
    var decisions = 0, scheduled = 0, results = 0, bytes = 0
    var decideNs: UInt64 = 0, executeNs: UInt64 = 0, serializeNs: UInt64 = 0
    var seq: Int64 = 0
    var dueNs: UInt64 = 0, dueCount = 0
    var decideCPU: UInt64 = 0
    // For profiling the engine alone: no executions, no serialization.
    let profilingDecisions = ProcessInfo.processInfo.environment["BENCH_DECIDE_ONLY"] != nil
    var kept: [EventOutcome] = []
    for i in 0..<events {
        let (type, attrs) = script[i % script.count]
        clock.advance(seconds: 3 * 3600)  // past every window: each event does real work
        let event = Event(id: "e\(i)", type: type, kind: attrs["state"] ?? "readings", subject: Subject(kind: "ups", id: "ups-main"), attrs: attrs, ts: clock.now())
        // Deciding: the event, then whatever it made due (timers, holds).
        var t0 = DispatchTime.now().uptimeNanoseconds
        let cpu0 = cpuNanoseconds()
        var outcome = await engine.process(event)
        seq += Int64(outcome.records.count)
        let tDue = DispatchTime.now().uptimeNanoseconds
        let dueNow = await engine.dueEvents(now: clock.now())
        dueNs += DispatchTime.now().uptimeNanoseconds - tDue
        dueCount += dueNow.count
        for more in await engine.process(dueNow) {
            seq += Int64(more.records.count)
            outcome.records += more.records
            outcome.jobs += more.jobs
        }
        await engine.recorded(through: seq)
        decideNs += DispatchTime.now().uptimeNanoseconds - t0
        decideCPU += cpuNanoseconds() - cpu0
        if profilingDecisions {
            kept.append(outcome)
            continue
        }
        // Executing the jobs on the simulated hosts (not part of the decisions' figure).
        t0 = DispatchTime.now().uptimeNanoseconds
        for job in outcome.jobs {
            guard let host = set.hosts[job.hostID] else { continue }
            let inv = await drivers.sim.refresh(host, full: false)
            _ = await drivers.sim.execute(host, action: job.action, targets: job.targetIDs.compactMap { inv.target($0) })
        }
        executeNs += DispatchTime.now().uptimeNanoseconds - t0
        // The peer: writing the records as the ledger writes them (canonical JSON).
        serializeNs += nanoseconds { for r in outcome.records { bytes += r.canonicalBytes.count } }
        if let dump = ProcessInfo.processInfo.environment["BENCH_DUMP"] {
            let out = outcome.records.map { String(decoding: $0.canonicalBytes, as: UTF8.self) }.joined(separator: "\n") + "\n"
            if let h = FileHandle(forWritingAtPath: dump) { h.seekToEndOfFile(); h.write(Data(out.utf8)); h.closeFile() }
        }
        for r in outcome.records where r.kind == .decision {
            decisions += 1
            results += r.results.count
        }
        scheduled += outcome.jobs.count
    }
    func seconds(_ ns: UInt64) -> String { String(format: "%.3f", Double(ns) / 1e9) }
    let rate = Double(decisions) / (Double(decideNs) / 1e9)
    let withSerialization = Double(decisions) / (Double(decideNs + serializeNs) / 1e9)
    print("{\"policies\": \(set.policies.count), \"events\": \(events), \"decisions\": \(decisions), \"target_results\": \(results), \"jobs\": \(scheduled), \"decide_seconds\": \(seconds(decideNs)), \"decisions_per_second\": \(Int(rate)), \"serialize_seconds\": \(seconds(serializeNs)), \"record_bytes\": \(bytes), \"decide_to_serialize\": \(String(format: "%.2f", Double(decideNs) / Double(max(serializeNs, 1)))), \"decisions_per_second_with_records\": \(Int(withSerialization)), \"execute_seconds\": \(seconds(executeNs)), \"due_seconds\": \(seconds(dueNs)), \"due_events\": \(dueCount), \"decide_cpu_seconds\": \(seconds(decideCPU)), \"decisions_per_cpu_second\": \(Int(Double(decisions) / (Double(decideCPU) / 1e9)))}")
}

/// Durable appends through the ledger (group commit) beside this disk's raw fsync rate.
func ledgerAppends(_ args: [String]) async {
    guard args.count >= 1 else { fail("usage: ledger-appends DIR [RECORDS] [WRITERS]") }
    let dir = args[0]
    let records = args.count > 1 ? Int(args[1]) ?? 2000 : 2000
    let writers = args.count > 2 ? Int(args[2]) ?? 16 : 16
    try? FileManager.default.removeItem(atPath: dir)
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let line = Array(String(repeating: "x", count: 300).utf8) + [0x0A]
    // Floor: one write and one fdatasync per record, as a naive append-only log does.
    let raw = dir + "/raw.log"
    let fd = open(raw, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    let rawCount = max(records / 4, 200)
    let rawNs = nanoseconds {
        for _ in 0..<rawCount {
            _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            fdatasync(fd)
        }
    }
    close(fd)
    let ledger = try! Ledger(stateDirectory: dir + "/state")
    let record = JSON.object(["kind": .string("execution"), "ts": .string("2026-01-01T00:00:00.000Z"), "message": .string(String(repeating: "x", count: 250))])
    let start = DispatchTime.now().uptimeNanoseconds
    await withTaskGroup(of: Void.self) { group in
        for w in 0..<writers {
            group.addTask {
                var i = w
                while i < records {
                    _ = try? await ledger.append([record])
                    i += writers
                }
            }
        }
    }
    let ns = DispatchTime.now().uptimeNanoseconds - start
    let syncs = await ledger.syncs
    let serial = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<max(records / 4, 200) { _ = try? await ledger.append([record]) }
    let serialNs = DispatchTime.now().uptimeNanoseconds - serial
    let rate = Double(records) / (Double(ns) / 1e9)
    let rawRate = Double(rawCount) / (Double(rawNs) / 1e9)
    let serialRate = Double(max(records / 4, 200)) / (Double(serialNs) / 1e9)
    print("{\"records\": \(records), \"writers\": \(writers), \"appends_per_second\": \(Int(rate)), \"syncs\": \(syncs), \"serial_appends_per_second\": \(Int(serialRate)), \"raw_fsyncs_per_second\": \(Int(rawRate)), \"ratio\": \(String(format: "%.2f", rate / rawRate))}")
}

/// The phases of compiling a 1-file commit in a session that compiled its parent: the
/// minimum of many rounds (alternating between the two commits), in milliseconds.
func compilePhases(_ args: [String]) {
    guard args.count >= 1 else { fail("usage: compile-phases GIT_REPO [ROUNDS]") }
    let rounds = args.count > 1 ? Int(args[1]) ?? 20 : 20
    let view = try! RepositoryView.open(args[0], requireGit: true)
    let git = view.git!
    let head = try! view.resolve("HEAD"), parent = try! view.resolve("HEAD~1")
    let cache = MemoryAnalysisCache()
    // Versions are counted along history; going back and forth between two commits is not
    // what a reconciler does, so they are counted once for each and left out.
    let history = VersionHistory(view: view, compiler: SnapshotCompiler(cache: cache))
    let versionsAt = [head: try! history.versions(at: head), parent: try! history.versions(at: parent)]
    var previous = CommitManifest(commit: parent.hex, repositoryPath: view.path, compilation: try! CommitChecker(view: view, cache: cache).check(parent),
                                  versions: versionsAt[parent]!)
    var all: [String: [Double]] = [:]
    func time<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        let r = try body()
        all[name, default: []].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        return r
    }
    for round in 0..<rounds {
        let id = round % 2 == 0 ? head : parent
        let listing: [TreeEntry] = try! time("tree listing") { try git.files(inTree: try git.treeID(commit: id, path: view.path)!) }
        precondition(!listing.isEmpty)
        let compilation = try! time("check") { try CommitChecker(view: view, cache: cache).check(id) }
        let manifest = time("manifest") {
            CommitManifest(commit: id.hex, repositoryPath: view.path, compilation: compilation, versions: versionsAt[id]!, previous: previous)
        }
        _ = time("manifest bytes") { manifest.canonicalBytes }
        previous = manifest
    }
    // What a reconciler's session does for a commit that follows the one it compiled last:
    // the checker starts from that commit's compilation, the manifest from its manifest.
    let checker = CommitChecker(view: view, cache: cache)
    var checked = try! checker.check(parent, after: nil).1
    var last = previous
    for round in 0..<rounds {
        let to = round % 2 == 0 ? head : parent
        let (compilation, next, changed) = try! time("incremental check") { try checker.check(to, after: checked) }
        precondition(changed != nil, "not incremental")
        checked = next
        last = time("incremental manifest") {
            CommitManifest(commit: to.hex, repositoryPath: view.path, compilation: compilation, versions: versionsAt[to]!, previous: last, changed: changed)
        }
    }
    print("{" + all.sorted { $0.key < $1.key }.map { name, ms in
        let sorted = ms.sorted()
        return "\"\(name)\": {\"min\": \(String(format: "%.2f", sorted[0])), \"median\": \(String(format: "%.2f", sorted[sorted.count / 2]))}"
    }.joined(separator: ", ") + "}")
}

let args = Array(CommandLine.arguments.dropFirst())
guard let command = args.first else { fail("usage: policyops-bench compile-spec|engine-throughput|ledger-appends ...") }
switch command {
case "compile-spec": compileSpec(Array(args.dropFirst()))
case "engine-throughput": await engineThroughput(Array(args.dropFirst()))
case "ledger-appends": await ledgerAppends(Array(args.dropFirst()))
case "compile-phases": compilePhases(Array(args.dropFirst()))
default: fail("unknown benchmark \(command)")
}
