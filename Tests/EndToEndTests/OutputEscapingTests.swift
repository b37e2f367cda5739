import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TestSupport

/// A policy with a blocker (an unknown field) and a warning, to write under odd file names.
private let flawedPolicy = """
{
  "version": 1,
  "name": "odd-file",
  "prority": 5,
  "trigger_group": {"triggers": [{"type": "ups.state", "equals": "on_battery"}]},
  "targets": {"host_id": "2f6d3c1e-8b4a-4e2f-9c7d-1a5b3e8f6d20", "target_type": "vm", "selector": {"mode": "list", "value": "104"}},
  "actions": [{"capability_id": "sim.vm", "verb": "shutdown"}]
}
"""

/// The example policies at the root of a git repository, plus `files` holding a flawed policy.
private func repository(withFlawedFiles files: [String]) throws -> GitFixture {
    let fx = try GitFixture()
    try ProcessRunner.tool("cp", ["-R", Paths.exampleRepo + "/hosts", Paths.exampleRepo + "/policies", Paths.exampleRepo + "/ups", fx.path])
    for f in files { fx.write(f, flawedPolicy) }
    try fx.commit("odd names")
    return fx
}

/// The example policies, the web tier's policy renamed to `name`.
private func repository(webPolicyNamed name: String) throws -> GitFixture {
    let fx = try GitFixture()
    try ProcessRunner.tool("cp", ["-R", Paths.exampleRepo + "/hosts", Paths.exampleRepo + "/policies", Paths.exampleRepo + "/ups", fx.path])
    try fx.commit("the example")
    let web = "policies/power/shutdown-web-tier-on-battery.json"
    let quoted = String(data: try JSONSerialization.data(withJSONObject: [name], options: [.withoutEscapingSlashes]), encoding: .utf8)!.dropFirst().dropLast()
    fx.write(web, fx.directory.read(web)!.replacingOccurrences(of: "\"shutdown-web-tier-on-battery\"", with: String(quoted)))
    try fx.commit("rename")
    return fx
}

/// RFC 3986 `URI-reference` (appendix A), written out from the grammar: a URI with a
/// scheme, or a relative reference whose first segment has no colon.
private func isURIReference(_ s: String) throws -> Bool {
    let unreserved = "A-Za-z0-9\\-._~", subDelims = "!$&'()*+,;="
    let pct = "%[0-9A-Fa-f]{2}"
    let pchar = "(?:[\(unreserved)\(subDelims):@]|\(pct))"
    let pcharNoColon = "(?:[\(unreserved)\(subDelims)@]|\(pct))"
    let query = "(?:\(pchar)|[/?])*"
    let authority = "(?:(?:[\(unreserved)\(subDelims):]|\(pct))*@)?(?:\\[[0-9A-Fa-f:.]+\\]|(?:[\(unreserved)\(subDelims)]|\(pct))*)(?::[0-9]*)?"
    let hierOrRelative = "(?://\(authority)(?:/\(pchar)*)*|/(?:\(pchar)+(?:/\(pchar)*)*)?|\(pcharNoColon)+(?:/\(pchar)*)*|)"
    let schemeHier = "(?://\(authority)(?:/\(pchar)*)*|/(?:\(pchar)+(?:/\(pchar)*)*)?|\(pchar)+(?:/\(pchar)*)*|)"
    let uri = "[A-Za-z][A-Za-z0-9+.\\-]*:\(schemeHier)(?:\\?\(query))?(?:#\(query))?"
    let relative = "\(hierOrRelative)(?:\\?\(query))?(?:#\(query))?"
    return try Regex("^(?:\(uri)|\(relative))$").wholeMatch(in: s) != nil
}

/// The text of a Markdown line outside its code spans, and the code spans' contents, as
/// CommonMark reads them: a run of N backticks opens a span that the next run of exactly N
/// closes; one space each side is stripped when both are there.
private func codeSpans(_ line: String) -> (outside: String, spans: [String]) {
    let chars = Array(line)
    var outside = "", spans: [String] = []
    var i = 0
    func run(at j: Int) -> Int {
        var k = j
        while k < chars.count && chars[k] == "`" { k += 1 }
        return k - j
    }
    while i < chars.count {
        guard chars[i] == "`" else { outside.append(chars[i]); i += 1; continue }
        let n = run(at: i)
        var j = i + n, close: Int?
        while j < chars.count {
            if chars[j] == "`" {
                let m = run(at: j)
                if m == n { close = j; break }
                j += m
            } else {
                j += 1
            }
        }
        guard let close else { outside += String(repeating: "`", count: n); i += n; continue }
        var content = String(chars[(i + n)..<close])
        if content.count >= 2, content.hasPrefix(" "), content.hasSuffix(" "), content.contains(where: { $0 != " " }) {
            content = String(content.dropFirst().dropLast())
        }
        spans.append(content)
        i = close + n
    }
    return (outside, spans)
}

/// The cells of a GFM table row: split on unescaped `|`, then `\|` read as `|`.
private func cells(_ row: String) -> [String] {
    var out: [String] = [], current = ""
    var escaped = false
    for c in row.trimmingCharacters(in: .whitespaces).dropFirst() {
        if escaped { current += c == "|" ? "|" : "\\\(c)"; escaped = false; continue }
        if c == "\\" { escaped = true; continue }
        if c == "|" { out.append(current.trimmingCharacters(in: .whitespaces)); current = ""; continue }
        current.append(c)
    }
    return out
}

/// Attributes of every element of an XML document, read back with Foundation's parser.
private final class AttributeCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        elements.append((name, attributes))
    }
}

@Suite struct OutputEscapingTests {
    static let oddFiles = ["policies/power/web tier.json", "policies/power/50%#1.json", "policies/power/tab\there.json", "policies/power/ünï.json"]

    @Test func sarifURIsAreURIReferencesThatDecodeToTheFiles() throws {
        let fx = try repository(withFlawedFiles: Self.oddFiles)
        let r = try Paths.policyops(["validate", "--repo", fx.path, "--format", "sarif"])
        #expect(r.status == 1, "\(r.stderr)")
        let log = try json(r.stdout)
        let results = try #require((log["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]])
        var decoded: Set<String> = []
        for result in results {
            let physical = try #require(((result["locations"] as? [[String: Any]])?.first)?["physicalLocation"] as? [String: Any])
            let uri = try #require((physical["artifactLocation"] as? [String: Any])?["uri"] as? String)
            #expect(try isURIReference(uri), "not a uri-reference: \(uri.debugDescription)")
            #expect(!uri.contains("#") && !uri.contains("?"), "a path, with no query or fragment: \(uri)")
            decoded.insert(try #require(uri.removingPercentEncoding))
        }
        #expect(decoded == Set(Self.oddFiles))
    }

    @Test func githubAnnotationsEscapeLineBreaksInFileNames() throws {
        let files = ["policies/power/line\nbreak.json", "policies/power/carriage\rreturn.json", "policies/power/a,b:c%d.json"]
        let fx = try repository(withFlawedFiles: files)
        let r = try Paths.policyops(["validate", "--repo", fx.path, "--format", "github"])
        #expect(r.status == 1, "\(r.stderr)")
        let annotations = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).filter { $0.hasPrefix("::") }
        #expect(annotations.count == files.count, "\(r.stdout.debugDescription)")
        var named: Set<String> = []
        for line in annotations {
            let m = try #require(try #/^::error file=([^,]*),line=\d+,col=\d+,title=[^,:]*::.*$/#.wholeMatch(in: line), "\(line)")
            let file = String(m.output.1)
            #expect(!file.contains("\\u"), "\(file)")
            // GitHub's own unescaping of a property: %0D, %0A, %3A, %2C, then %25.
            named.insert(file.replacingOccurrences(of: "%0D", with: "\r").replacingOccurrences(of: "%0A", with: "\n")
                .replacingOccurrences(of: "%3A", with: ":").replacingOccurrences(of: "%2C", with: ",").replacingOccurrences(of: "%25", with: "%"))
        }
        #expect(named == Set(files))
    }

    @Test func junitAttributesRoundTripLineBreaks() throws {
        let files = ["policies/power/line\nbreak.json", "policies/power/carriage\rreturn.json", "policies/power/tab\tand <&>\".json"]
        let fx = try repository(withFlawedFiles: files)
        let r = try Paths.policyops(["validate", "--repo", fx.path, "--format", "junit"])
        #expect(r.status == 1, "\(r.stderr)")
        let collector = AttributeCollector()
        let parser = XMLParser(data: Data(r.stdout.utf8))
        parser.delegate = collector
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        let names = collector.elements.filter { $0.name == "testcase" }.compactMap { $0.attributes["name"] }
        #expect(Set(files).isSubset(of: Set(names)), "\(names)")
        let failures = collector.elements.filter { $0.name == "failure" }.compactMap { $0.attributes["message"] }
        #expect(failures.count == files.count)
    }

    static let oddName = "web `tier` <b>bold</b> | & *x*"

    @Test func planMarkdownKeepsAPolicyNameInItsCodeSpan() throws {
        let fx = try repository(webPolicyNamed: Self.oddName)
        let r = try Paths.policyops(["plan", "--repo", fx.path, "--format", "markdown"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let row = try #require(r.stdout.split(separator: "\n").map(String.init).first { $0.contains("bold") && $0.hasPrefix("|") }, "\(r.stdout)")
        let first = codeSpans(try #require(cells(row).first))
        #expect(first.spans == [Self.oddName], "\(row)")
        #expect(first.outside.trimmingCharacters(in: .whitespaces).isEmpty, "\(row)")
        for line in r.stdout.split(separator: "\n") {
            #expect(!codeSpans(String(line)).outside.contains("<b>"), "\(line)")
        }
    }

    @Test func diffMarkdownKeepsAPolicyNameInItsCodeSpan() throws {
        let fx = try repository(webPolicyNamed: Self.oddName)
        let r = try Paths.policyops(["diff", "HEAD~1", "HEAD", "--repo", fx.path, "--format", "markdown"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let row = try #require(r.stdout.split(separator: "\n").map(String.init).first { $0.hasPrefix("|") && $0.contains("bold") }, "\(r.stdout)")
        let policy = codeSpans(try #require(cells(row).dropFirst().first))
        #expect(policy.spans == [Self.oddName], "\(row)")
        for line in r.stdout.split(separator: "\n") {
            #expect(!codeSpans(String(line)).outside.contains("<b>"), "\(line)")
        }
    }

    @Test func simulateMarkdownKeepsAPolicyNameInItsCodeSpan() throws {
        let fx = try repository(webPolicyNamed: Self.oddName)
        let r = try Paths.policyops(["simulate", "--repo", fx.path, "--trace", Paths.exampleRepo + "/traces/outage-2026-10-14.json", "--format", "markdown"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let rows = r.stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix("|") && $0.contains("bold") }
        #expect(!rows.isEmpty, "\(r.stdout)")
        for row in rows {
            let c = cells(row)
            #expect(c.count == 4, "\(row)")
            #expect(codeSpans(c[2]).spans == [Self.oddName], "\(row)")
        }
        for line in r.stdout.split(separator: "\n") {
            #expect(!codeSpans(String(line)).outside.contains("<b>"), "\(line)")
        }
    }
}
