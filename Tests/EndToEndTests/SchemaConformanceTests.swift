import Foundation
import Testing
import TestSupport

/// The JSON Schemas (`policyops schema --kind ...`) and `validate` agree (issue 8, item 14):
/// every file validate accepts, the schema accepts; every file validate rejects for a
/// reason a schema can express, the schema rejects. The schemas are checked by a real JSON
/// Schema 2020-12 validator (Python's `jsonschema`, patterns matched with ECMA-262 `u`
/// semantics by `regress`), installed from PyPI into a virtual environment made in the
/// test's temporary directory.
@Suite struct SchemaConformanceTests {
    static let fixtures = Paths.packageRoot + "/Tests/EndToEndTests/Fixtures"

    /// Codes that name what no schema can say: the bytes before there is JSON (PO10xx,
    /// matched by prefix), an integer written with a fraction or exponent (PO2006: to JSON
    /// Schema 1.0 and 1e2 are integers), checks across files (unknown host, the host's
    /// driver, duplicates), the 30-day limit on durations, and a selector's expansion
    /// (reversed ranges, forms mixed in a range, the 4,096-target cap, the query grammar).
    static let beyondSchema: Set<String> = [
        "PO2006", "PO2103", "PO2303", "PO2304", "PO2305", "PO2307",
        "PO3001", "PO3003", "PO3102", "PO3103", "PO4001", "PO4002", "PO4004", "PO4005",
    ]

    /// Files rejected for a reason that needs the machine or more than the file.
    static let beyondSchemaFiles: [String: String] = [
        "settings/timezone-unknown.json": "the zone names come from the system's time zone database",
    ]

    /// Whether `python3 -m venv` can provide pip here; the test needs nothing else of the machine.
    static let pipAvailable: Bool = {
        guard let r = try? ProcessRunner.tool("python3", ["-c", "import ensurepip, venv"]) else { return false }
        return r.status == 0
    }()

    struct Checked {
        var kind: String
        var path: String
        var label: String
        var blockers: Set<String>
    }

    /// Runs validate over a repository folder; blocker codes by file path relative to it.
    func blockers(_ repo: String) throws -> [String: Set<String>] {
        let r = try Paths.policyops(["validate", "--format", "json"], directory: repo)
        let report = try json(r.stdout)
        var out: [String: Set<String>] = [:]
        for d in report["diagnostics"] as? [[String: Any]] ?? [] where d["severity"] as? String == "blocker" {
            out[d["file"] as? String ?? "", default: []].insert(d["code"] as? String ?? "")
        }
        return out
    }

    func files(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
    }

    @Test(.enabled(if: pipAvailable, "python3 cannot make a virtual environment with pip here (python3-venv missing), so no JSON Schema validator can be installed"))
    func schemaAndValidateAgreeOnEveryFixture() throws {
        let work = TemporaryDirectory("schema")
        let venv = work.join("venv")
        let made = try ProcessRunner.tool("python3", ["-m", "venv", venv])
        try #require(made.status == 0, "python3 -m venv: \(made.stderr)")
        let pip = try ProcessRunner.tool(venv + "/bin/pip", ["install", "--quiet", "--disable-pip-version-check", "jsonschema", "regress"])
        try #require(pip.status == 0, "pip install jsonschema regress: \(pip.stdout)\(pip.stderr)")
        for kind in ["policy", "host", "ups", "settings", "config"] {
            let r = try Paths.policyops(["schema", "--kind", kind])
            try #require(r.status == 0)
            work.write("\(kind).schema.json", r.stdout)
        }

        var checked: [Checked] = []
        // The corpus and the schema fixtures, each folder a repository as validate reads it.
        for (root, label) in [(Self.fixtures + "/corpus", "corpus/"), (Self.fixtures + "/schema/repo", "schema/")] {
            let found = try blockers(root)
            for (folder, kind) in [("policies/valid", "policy"), ("policies/invalid", "policy"), ("policies", "policy"), ("hosts", "host"), ("ups", "ups")] {
                for name in files(root + "/" + folder) {
                    let relative = folder + "/" + name
                    checked.append(Checked(kind: kind, path: root + "/" + relative, label: label + relative, blockers: found[relative] ?? []))
                }
            }
        }
        // Settings: one repository per file, as policyops.json.
        for name in files(Self.fixtures + "/schema/settings") {
            let repo = TemporaryDirectory("settings")
            let path = Self.fixtures + "/schema/settings/" + name
            repo.write("policyops.json", try String(contentsOfFile: path, encoding: .utf8))
            checked.append(Checked(kind: "settings", path: path, label: "settings/" + name, blockers: try blockers(repo.path)["policyops.json"] ?? []))
        }
        // Operator configurations: validate --config against an empty repository.
        let empty = TemporaryDirectory("empty-repo")
        for name in files(Self.fixtures + "/schema/config") {
            let path = Self.fixtures + "/schema/config/" + name
            let r = try Paths.policyops(["validate", "--repo", empty.path, "--config", path, "--format", "json"])
            var found: Set<String> = []
            for d in try json(r.stdout)["diagnostics"] as? [[String: Any]] ?? [] where d["severity"] as? String == "blocker" && d["file"] as? String == path {
                found.insert(d["code"] as? String ?? "")
            }
            #expect(name.hasPrefix("valid-") == found.isEmpty, "config/\(name): validate found \(found.sorted())")
            checked.append(Checked(kind: "config", path: path, label: "config/" + name, blockers: found))
        }
        #expect(checked.count >= 200)

        let manifest = try JSONSerialization.data(withJSONObject: checked.map { ["kind": $0.kind, "path": $0.path] })
        let run = try ProcessRunner.run(venv + "/bin/python", [Self.fixtures + "/schema/check_schema.py", work.path], input: manifest)
        try #require(run.status == 0, "check_schema.py: \(run.stderr)")
        let report = try json(run.stdout)
        for p in report["patterns"] as? [[String: Any]] ?? [] {
            #expect(p["error"] is NSNull, "\(p["schema"] ?? "") schema: pattern \(p["pattern"] ?? "") is not ECMA-262 (u flag): \(p["error"] ?? "")")
        }
        let results = try #require(report["results"] as? [String: [String: Any]])
        var rejectedBoth = 0
        for c in checked {
            let result = try #require(results[c.path], "\(c.label) was not checked")
            let valid = result["valid"] as? Bool ?? false
            let errors = result["errors"] as? [String] ?? []
            if c.blockers.isEmpty {
                #expect(valid, "\(c.label): validate accepts it, the \(c.kind) schema rejects it: \(errors)")
                continue
            }
            let expressible = c.blockers.filter { !$0.hasPrefix("PO10") && !Self.beyondSchema.contains($0) }
            if expressible.isEmpty || Self.beyondSchemaFiles[c.label] != nil { continue }
            #expect(!valid, "\(c.label): validate rejects it (\(expressible.sorted())), the \(c.kind) schema accepts it")
            if !valid { rejectedBoth += 1 }
        }
        // The comparison covers the rules it is about, not a handful of files.
        #expect(rejectedBoth >= 60)
    }
}
