import Testing
@testable import Drivers
import Engine
import Policy

/// What drivers put into URL paths is percent-encoded (RFC 3986 §3.3): an id is one segment,
/// a webhook's `path` keeps its separators.
@Suite struct URLPathTests {
    @Test(arguments: [
        ("1/1", "1%2F1"), ("2/A4", "2%2FA4"), ("24", "24"), ("A1", "A1"), ("1/1/1", "1%2F1%2F1"),
        ("pve 1", "pve%201"), ("nœud-1", "n%C5%93ud-1"), ("UPID:pve-1:0001:task:104:root@pam!ci:", "UPID%3Apve-1%3A0001%3Atask%3A104%3Aroot%40pam%21ci%3A"),
        ("a?b#c%d", "a%3Fb%23c%25d"), ("", ""),
    ])
    func aSegmentEncodesEverySlash(_ id: String, _ encoded: String) {
        #expect(URLPath.segment(id) == encoded)
    }

    @Test(arguments: [
        ("/power", "/power"), ("/hooks/T000/B000", "/hooks/T000/B000"), ("/on battery", "/on%20battery"),
        ("/a%20b", "/a%20b"), ("/100%", "/100%25"), ("/x?y=1#z", "/x%3Fy=1%23z"), ("/ünï", "/%C3%BCn%C3%AF"),
        ("/a:b@c!$&'()*+,;=", "/a:b@c!$&'()*+,;="), ("", ""),
    ])
    func aPathKeepsItsSeparators(_ path: String, _ encoded: String) {
        #expect(URLPath.path(path) == encoded)
    }

    @Test func everyDriverEncodesWhatGoesIntoAPath() {
        #expect(AOSSDriver.poePath("1/1") == "/ports/1%2F1/poe")
        let shutdown = PlannedAction(policyID: "p", capability: "proxmox.vm", verb: "shutdown", params: .object([:]), keyHint: nil)
        let guest = InventoryTarget(id: "vm:104", type: .vm, nativeID: "104", name: "web-1", state: "running")
        #expect(ProxmoxDriver.request(shutdown, node: "nœud 1", target: guest).path == "/nodes/n%C5%93ud%201/qemu/104/status/shutdown")
        let post = PlannedAction(policyID: "p", capability: "webhook.request", verb: "post", params: .object(["path": .string("/alerts/on battery")]), keyHint: nil)
        #expect(WebhookDriver.url("https://hooks.example/base", post) == "https://hooks.example/base/alerts/on%20battery")
    }
}
