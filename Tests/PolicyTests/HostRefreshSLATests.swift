import Foundation
import Testing
@testable import Policy

/// `connection.refresh_sla` overrides the capability's `defaults.dry_run_refresh_sla_s` for
/// one host: a duration from 1s to 60s, on hosts that are refreshed; anything else blocks.
@Suite struct HostRefreshSLATests {
    func read(_ text: String) -> (HostDeclaration?, [Diagnostic]) {
        HostDeclarationReader.read(path: "hosts/h.json", bytes: Array(text.utf8))
    }

    func pve(_ sla: String) -> String {
        Fixtures.pveHost.replacingAll(#""node": "pve-1""#, with: #""node": "pve-1", "refresh_sla": \#(sla)"#)
    }

    @Test func aHostMaySetItsOwnRefreshSLA() throws {
        let (host, diagnostics) = read(pve(#""10s""#))
        #expect(diagnostics == [], "\(diagnostics)")
        let declared = try #require(host)
        #expect(declared.refreshSLA == PolicyDuration(seconds: 10) && declared.refreshSLASeconds(default: 5) == 10)
        #expect(declared.normalized["connection"]?["refresh_sla"]?.stringValue == "10s")
        let (plain, _) = read(Fixtures.pveHost)
        #expect(plain?.refreshSLA == nil && plain?.refreshSLASeconds(default: 5) == 5)
        #expect(plain?.normalized["connection"]?["refresh_sla"] == nil, "a host without one normalizes as before")
    }

    @Test(arguments: [
        (#""0s""#, DiagnosticCode.invalidValue), (#""61s""#, .invalidValue), (#""2m""#, .invalidValue),
        (#""10""#, .invalidDuration), (#""1.5s""#, .invalidDuration), (#""s10""#, .invalidDuration), ("10", .wrongType),
    ] as [(String, DiagnosticCode)])
    func aWrongRefreshSLABlocks(_ sla: String, _ code: DiagnosticCode) {
        let (host, diagnostics) = read(pve(sla))
        #expect(host == nil)
        #expect(diagnostics.map(\.code) == [code], "\(diagnostics)")
        #expect(diagnostics.first?.severity == .blocker && diagnostics.first?.pointer == "/connection/refresh_sla", "\(diagnostics)")
    }

    @Test func hostsThatAreNotRefreshedHaveNone() {
        let text = #"{"id": "\#(Fixtures.pveID)", "name": "local", "driver": "exec", "connection": {"refresh_sla": "10s"}}"#
        #expect(read(text).1.map(\.code) == [.unknownField])
    }

    @Test func theHostSchemaKnowsIt() {
        let schema = JSONSchemaWriter.schema(.host)
        let branches = schema["allOf"]?.arrayValue ?? []
        let slas = branches.compactMap { $0["then"]?["properties"]?["connection"]?["properties"]?["refresh_sla"] }
        #expect(slas.count == 3 && slas.allSatisfy { $0["pattern"]?.stringValue == JSONSchemaWriter.refreshSLAPattern })
    }

    /// The schema's pattern accepts exactly what validate accepts.
    @Test(arguments: ["1s", "10s", "60s", "060s", "1m", "01m0s", "0m30s", "0h0m5s", "0d1s",
                      "0s", "00s", "61s", "100s", "2m", "1m1s", "1h", "10", "s", "", "1m60s", "0m"])
    func theSchemaPatternAgreesWithValidate(_ sla: String) throws {
        let regex = try NSRegularExpression(pattern: JSONSchemaWriter.refreshSLAPattern)
        let schemaAccepts = regex.firstMatch(in: sla, range: NSRange(sla.startIndex..., in: sla)) != nil
        let validateAccepts = read(pve("\"\(sla)\"")).0 != nil
        #expect(schemaAccepts == validateAccepts, "\(sla): schema \(schemaAccepts), validate \(validateAccepts)")
    }
}
