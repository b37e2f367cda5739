import Foundation

/// A strict reader of the Prometheus text exposition format (version 0.0.4), for checking
/// what `metrics.prom` says: every line is a `# HELP`, a `# TYPE` or a sample; a family's
/// HELP and TYPE come once and before its samples, which are contiguous; names, label names
/// and escapes are as the format allows; no series appears twice; a histogram has only
/// `_bucket` (with `le`, ascending, cumulative, ending at `+Inf`), `_sum` and `_count`
/// samples, and its `+Inf` bucket equals its count.
struct PrometheusExposition {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Family {
        var name: String
        var type: String
        var help: String?
        var samples: [Sample] = []
    }

    struct Problem: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    private(set) var families: [Family] = []

    /// Reads `text`; throws the first problem found.
    init(_ text: String) throws {
        guard text.hasSuffix("\n") else { throw Problem(line: 0, message: "the text does not end with a newline") }
        var helps: [String: String] = [:]
        var types: [String: String] = [:]
        var index: [String: Int] = [:]
        var finished: Set<String> = []
        var current: String?
        var series: Set<String> = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            let line = String(raw), number = n + 1
            func fail(_ m: String) -> Problem { Problem(line: number, message: "\(m): \(line)") }
            if line.isEmpty { throw fail("an empty line") }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
                guard parts.count >= 3, parts[0] == "#", parts[1] == "HELP" || parts[1] == "TYPE" else { continue }
                let name = parts[2]
                guard Self.isMetricName(name) else { throw fail("a bad metric name") }
                if finished.contains(name) || (current != name && index[name] != nil) { throw fail("\(name) is described after its samples") }
                if parts[1] == "HELP" {
                    guard helps[name] == nil else { throw fail("a second HELP for \(name)") }
                    helps[name] = parts.count > 3 ? parts[3] : ""
                } else {
                    guard types[name] == nil else { throw fail("a second TYPE for \(name)") }
                    guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else { throw fail("a bad TYPE") }
                    types[name] = parts[3]
                }
                continue
            }
            let sample = try Self.sample(line, fail)
            // The family: a histogram's samples carry suffixes of its name.
            var family = sample.name
            for suffix in ["_bucket", "_sum", "_count"] where sample.name.hasSuffix(suffix) {
                let base = String(sample.name.dropLast(suffix.count))
                if types[base] == "histogram" || types[base] == "summary" { family = base }
            }
            guard let type = types[family] else { throw fail("a sample of \(family) before its TYPE") }
            if type == "histogram" && family == sample.name { throw fail("a histogram sample without _bucket, _sum or _count") }
            if sample.name.hasSuffix("_bucket") && type == "histogram" && sample.labels["le"] == nil { throw fail("a bucket without le") }
            if current != family {
                if let current { finished.insert(current) }
                guard !finished.contains(family) else { throw fail("the samples of \(family) are not together") }
                current = family
                index[family] = families.count
                families.append(Family(name: family, type: type, help: helps[family]))
            }
            let key = sample.name + "{" + sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
            guard series.insert(key).inserted else { throw fail("the series \(key) appears twice") }
            families[index[family]!].samples.append(sample)
        }
        for f in families where f.type == "histogram" { try Self.checkHistogram(f) }
    }

    /// The family named `name`.
    func family(_ name: String) -> Family? { families.first { $0.name == name } }

    /// The value of the sample `name` with exactly `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        families.lazy.flatMap(\.samples).first { $0.name == name && $0.labels == labels }?.value
    }

    static func isMetricName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, !(first >= "0" && first <= "9") else { return false }
        return s.unicodeScalars.allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") || $0 == "_" || $0 == ":" }
    }

    static func isLabelName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, !(first >= "0" && first <= "9") else { return false }
        return s.unicodeScalars.allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") || $0 == "_" }
    }

    static func number(_ s: String) -> Double? {
        switch s {
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default:
            guard !s.isEmpty, s.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }) else { return nil }
            return Double(s)
        }
    }

    static func sample(_ line: String, _ fail: (String) -> Problem) throws -> Sample {
        let chars = Array(line)
        var i = 0
        var name = ""
        while i < chars.count, chars[i] != "{", chars[i] != " " { name.append(chars[i]); i += 1 }
        guard isMetricName(name) else { throw fail("a bad metric name") }
        var labels: [String: String] = [:]
        if i < chars.count, chars[i] == "{" {
            i += 1
            while true {
                guard i < chars.count else { throw fail("unclosed labels") }
                if chars[i] == "}" { i += 1; break }
                var label = ""
                while i < chars.count, chars[i] != "=" { label.append(chars[i]); i += 1 }
                guard isLabelName(label), !label.hasPrefix("__") else { throw fail("a bad label name \(label)") }
                guard i + 1 < chars.count, chars[i] == "=", chars[i + 1] == "\"" else { throw fail("a label without a quoted value") }
                i += 2
                var value = ""
                while true {
                    guard i < chars.count else { throw fail("an unclosed label value") }
                    let c = chars[i]
                    if c == "\"" { i += 1; break }
                    if c == "\\" {
                        guard i + 1 < chars.count else { throw fail("a dangling escape") }
                        switch chars[i + 1] {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw fail("a bad escape")
                        }
                        i += 2
                        continue
                    }
                    value.append(c)
                    i += 1
                }
                guard labels.updateValue(value, forKey: label) == nil else { throw fail("label \(label) twice") }
                guard i < chars.count else { throw fail("unclosed labels") }
                if chars[i] == "," { i += 1 } else if chars[i] != "}" { throw fail("labels not separated by commas") }
            }
        }
        guard i < chars.count, chars[i] == " " else { throw fail("no space before the value") }
        let rest = String(chars[(i + 1)...]).split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard rest.count == 1 || rest.count == 2, let value = number(rest[0]) else { throw fail("a bad value") }
        if rest.count == 2 { guard Int64(rest[1]) != nil else { throw fail("a bad timestamp") } }
        return Sample(name: name, labels: labels, value: value)
    }

    static func checkHistogram(_ f: Family) throws {
        func fail(_ m: String) -> Problem { Problem(line: 0, message: "histogram \(f.name): \(m)") }
        let buckets = f.samples.filter { $0.name == f.name + "_bucket" }
        guard f.samples.allSatisfy({ [f.name + "_bucket", f.name + "_sum", f.name + "_count"].contains($0.name) }) else { throw fail("a sample of another name") }
        guard let count = f.samples.first(where: { $0.name == f.name + "_count" })?.value,
              f.samples.contains(where: { $0.name == f.name + "_sum" }) else { throw fail("no _sum or no _count") }
        let bounds = try buckets.map { b -> Double in
            guard let le = b.labels["le"], let bound = number(le), !bound.isNaN else { throw fail("a bad le") }
            guard b.labels.count == 1 else { throw fail("labels other than le") }
            return bound
        }
        guard !bounds.isEmpty, bounds.last == .infinity else { throw fail("no +Inf bucket last") }
        guard zip(bounds, bounds.dropFirst()).allSatisfy({ $0 < $1 }) else { throw fail("buckets not in ascending order of le") }
        guard zip(buckets, buckets.dropFirst()).allSatisfy({ $0.value <= $1.value }) else { throw fail("buckets not cumulative") }
        guard buckets.last?.value == count else { throw fail("the +Inf bucket is not the count") }
    }
}
