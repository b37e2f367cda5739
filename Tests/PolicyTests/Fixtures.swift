@testable import Policy

/// Policy and host texts for tests.
enum Fixtures {
    static let pveID = "7d1a4e2c-5b3f-4a6d-8e9f-0a1b2c3d4e5f"
    static let simID = "3c9e7b1a-2d4f-4e6a-9b8c-7d6e5f4a3b2c"
    static let switchID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"

    /// A valid policy; `fields` replace or add top-level members (JSON text values).
    static func policy(_ fields: [String: String] = [:], removing: [String] = []) -> String {
        var members: [(String, String)] = [
            ("version", "1"),
            ("name", "\"shutdown-on-battery\""),
            ("priority", "10"),
            ("trigger_group", #"{"logic": "ANY", "triggers": [{"type": "ups.state", "equals": "on_battery"}]}"#),
            ("targets", #"{"host_id": "\#(pveID)", "target_type": "vm", "selector": {"mode": "list", "value": "104-108"}}"#),
            ("actions", #"[{"capability_id": "proxmox.vm", "verb": "shutdown", "params": {"grace_s": 60}}]"#),
        ]
        for (k, v) in fields.sorted(by: { $0.key < $1.key }) {
            if let i = members.firstIndex(where: { $0.0 == k }) { members[i].1 = v } else { members.append((k, v)) }
        }
        members.removeAll { removing.contains($0.0) }
        return "{\n" + members.map { "  \"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "\n}\n"
    }

    static func analyze(_ text: String, path: String = "policies/p.json") -> PolicyFileAnalysis {
        PolicyFileAnalysis.analyze(path: path, bytes: Array(text.utf8))
    }

    static let pveHost = """
    {"id": "\(pveID)", "name": "pve-1", "driver": "proxmox",
     "connection": {"url": "https://pve-1:8006", "node": "pve-1", "token_id": "policyops@pve!ci", "token_secret": {"env": "PVE_SECRET"}},
     "labels": {"site": "rack-a"}}
    """
    static let simHost = """
    {"id": "\(simID)", "name": "sim-1", "driver": "sim",
     "connection": {"targets": [{"id": "vm:104", "name": "web-1", "state": "running", "labels": {"tier": "web"}},
                                {"id": "poe-port:1/1", "name": "ap-1", "state": "on"}]}}
    """
    static let switchHost = """
    {"id": "\(switchID)", "name": "sw-1", "driver": "aoss",
     "connection": {"url": "https://sw-1", "username": "policyops", "password": {"file": "/run/secrets/sw"}, "protected_ports": ["1/49-1/52"]}}
    """

    static func compile(policies: [String: String], hosts: [String] = [pveHost, simHost, switchHost], extra: [RepositoryFile] = []) -> RepositoryCompilation {
        var files = hosts.enumerated().map { RepositoryFile(path: "hosts/h\($0.offset).json", bytes: Array($0.element.utf8)) }
        files += policies.map { RepositoryFile(path: $0.key, bytes: Array($0.value.utf8)) }
        files += extra
        return RepositoryCompiler().compile(settings: .standard, files: files)
    }
}
