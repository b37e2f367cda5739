import Foundation
import Policy
import Secrets

/// Secrets as an operator grants them in tests: each name comes from the environment
/// variable of the same name upper-cased (`pve-token` from `PVE_TOKEN`), for one host and
/// field; `exec` is what the exec driver may run, and as whom. The simulators listen on
/// 127.0.0.1, so the network section allows loopback unless a test says otherwise (as SPEC
/// section 18 says tests do).
enum Grants {
    struct Entry {
        var name: String
        var value: String
        var host: String
        var field: String
    }

    /// Loopback only: where the simulators are.
    static let loopback = NetworkAllowList(ranges: [], names: [], allowLoopback: true)

    /// Every ordinary address (`0.0.0.0/0` and `::/0`): broad, yet the special ranges stay closed.
    static let everywhere = NetworkAllowList(ranges: ["0.0.0.0/0", "::/0"].map { NetworkRange.parse($0)! }, names: [], allowLoopback: false)

    static func secrets(_ entries: [Entry], exec: ExecGrant = .none, network: NetworkAllowList = loopback) -> Secrets {
        var environment: [String: String] = [:]
        var grants: [String: OperatorConfiguration.SecretGrant] = [:]
        for e in entries {
            let variable = e.name.uppercased().replacingOccurrences(of: "-", with: "_")
            environment[variable] = e.value
            var grant = grants[e.name] ?? .init(source: .env(variable), hosts: [], fields: [])
            grant.hosts.insert(e.host)
            grant.fields.insert(e.field)
            grants[e.name] = grant
        }
        var configuration = OperatorConfiguration.strictest
        configuration.secrets = grants
        configuration.exec = exec
        configuration.network = network
        configuration.path = "/etc/policyops/config.json"
        return Secrets(environment: environment, configuration: configuration)
    }
}
