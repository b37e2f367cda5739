import Testing
@testable import Policy

/// `timezone` is checked against the zone names the caller knows (issue 8, item 15).
@Suite struct SettingsTimeZoneTests {
    static let known: Set<String> = ["UTC", "Europe/Berlin", "America/New_York"]

    func read(_ zone: String) -> (RepositorySettings, [Diagnostic]) {
        RepositorySettings.read(bytes: Array("{\"timezone\": \"\(zone)\"}".utf8), isKnownTimeZone: { Self.known.contains($0) })
    }

    @Test func anUnknownZoneIsABlockerAndUTCStandsIn() throws {
        let (settings, diagnostics) = read("Mars/Olympus")
        let d = try #require(diagnostics.first)
        #expect(diagnostics.count == 1)
        #expect(d.code == .invalidSettings && d.severity == .blocker && d.pointer == "/timezone")
        #expect(d.line == 1 && d.column == 14)
        #expect(settings.timeZone == "UTC")
    }

    @Test func aZoneInTheWrongCaseGetsAHint() throws {
        let d = try #require(read("europe/berlin").1.first)
        #expect(d.message.contains("did you mean \"Europe/Berlin\""), "\(d.message)")
    }

    @Test func aKnownZoneIsTaken() {
        let (settings, diagnostics) = read("America/New_York")
        #expect(diagnostics.isEmpty)
        #expect(settings.timeZone == "America/New_York")
    }

    @Test func withoutAListOnlyTheFormIsChecked() {
        let (settings, diagnostics) = RepositorySettings.read(bytes: Array(#"{"timezone": "Mars/Olympus"}"#.utf8))
        #expect(diagnostics.isEmpty && settings.timeZone == "Mars/Olympus")
        #expect(RepositorySettings.read(bytes: Array(#"{"timezone": "../x"}"#.utf8)).1.map(\.code) == [.invalidSettings])
    }
}
