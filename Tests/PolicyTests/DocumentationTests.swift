import Foundation
import Testing
@testable import Policy

/// POLICY.md is the specification in words; its table of codes must match the code.
@Suite struct DocumentationTests {
    static let policyMD: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return (try? String(contentsOf: url.appendingPathComponent("POLICY.md"), encoding: .utf8)) ?? ""
    }()

    @Test(arguments: DiagnosticCode.allCases)
    func everyCodeHasItsRow(code: DiagnosticCode) {
        #expect(Self.policyMD.contains("| \(code.rawValue) | \(code.severity.rawValue) | \(code.title) |"),
                "POLICY.md lacks the row of \(code.rawValue)")
    }

    @Test func noRowForACodeThatDoesNotExist() {
        let documented = Self.policyMD.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| PO") else { return nil }
            return String(line.dropFirst(2).prefix(6))
        }
        #expect(Set(documented) == Set(DiagnosticCode.allCases.map(\.rawValue)))
        #expect(documented.count == DiagnosticCode.allCases.count)
    }

    @Test func codesAreUniqueAndInTheirRanges() {
        let raw = DiagnosticCode.allCases.map(\.rawValue)
        #expect(Set(raw).count == raw.count)
        #expect(raw.allSatisfy { $0.hasPrefix("PO") && $0.count == 6 && Int($0.dropFirst(2)) != nil })
    }
}
