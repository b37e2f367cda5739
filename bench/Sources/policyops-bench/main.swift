// In-process micro-benchmarks of the policy core, run by bench/run.py.
//
//   policyops-bench compile-spec FILE [ITERATIONS]
//
// Prints one JSON object: the median and 90th percentile of compiling the spec (read,
// validate, normalize, hash, build the IR and its address), beside the floor — reading the
// same bytes as JSON and nothing else — measured in the same run.
import Foundation
import Hashing
import Policy

func nanoseconds(_ body: () -> Void) -> UInt64 {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return DispatchTime.now().uptimeNanoseconds - start
}

func percentile(_ values: [UInt64], _ p: Double) -> UInt64 {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

let args = CommandLine.arguments
guard args.count >= 3, args[1] == "compile-spec", let data = FileManager.default.contents(atPath: args[2]) else {
    FileHandle.standardError.write(Data("usage: policyops-bench compile-spec FILE [ITERATIONS]\n".utf8))
    exit(2)
}
let iterations = args.count > 3 ? Int(args[3]) ?? 5000 : 5000
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
